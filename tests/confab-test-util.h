/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

#include "confab.h"

G_BEGIN_DECLS

#define TEST_API_KEY "test-key"
#define TEST_API_SECRET "test-secret-that-is-long-enough"

/* Every wait in the tests is bounded by this, so a bug shows as a failure, not a hang. */
#define TEST_WAIT_SECONDS 20

typedef gboolean (*TestCondition) (gpointer user_data);

/* The usual fixture: a server on 127.0.0.1 and a fresh session id. */
typedef struct {
  ConfabServer *server;
  char         *session_id;
} TestFixture;

void           test_init               (int            *argc,
                                        char         ***argv);
void           test_fixture_set_up     (TestFixture    *fixture,
                                        gconstpointer   data);
void           test_fixture_tear_down  (TestFixture    *fixture,
                                        gconstpointer   data);

#define TEST_ADD(path, func) \
  g_test_add (path, TestFixture, NULL, test_fixture_set_up, func, test_fixture_tear_down)

const char    *test_id_of              (ConfabSession  *session);

void           test_wait_until         (TestCondition   condition,
                                        gpointer        user_data,
                                        const char     *what);
void           test_wait_for_flag      (gboolean       *flag,
                                        const char     *what);
void           test_spin               (guint           milliseconds);

ConfabServer  *test_server_new         (void);
char          *test_token              (const char     *session_id,
                                        ConfabRole      role,
                                        const char     *data);
ConfabSession *test_session_new        (ConfabServer   *server,
                                        const char     *session_id);
gboolean       test_session_connect    (ConfabSession  *session,
                                        const char     *token,
                                        GError        **error);
ConfabSession *test_join               (ConfabServer   *server,
                                        const char     *session_id,
                                        ConfabRole      role,
                                        const char     *data);
gboolean       test_send               (ConfabSession  *session,
                                        const char     *type,
                                        const char     *data,
                                        const char     *to,
                                        GError        **error);
gboolean       test_force_disconnect   (ConfabSession  *session,
                                        const char     *connection_id,
                                        GError        **error);
void           test_leave              (ConfabSession  *session);

/* Records what a session hears, one line per event: "signal TYPE DATA FROM",
 * "created ID", "destroyed ID REASON", "reconnecting", "reconnected resumed|fresh",
 * "disconnected REASON". FROM is "server" for server-sent signals. */
typedef struct _TestRecorder TestRecorder;

TestRecorder  *test_recorder_new       (ConfabSession  *session);
void           test_recorder_free      (TestRecorder   *recorder);
GPtrArray     *test_recorder_get_events (TestRecorder  *recorder);
guint          test_recorder_count     (TestRecorder   *recorder,
                                        const char     *prefix);
guint          test_recorder_count_direct (TestRecorder *recorder);
void           test_recorder_wait_count (TestRecorder  *recorder,
                                        const char     *prefix,
                                        guint           count);
void           test_recorder_clear     (TestRecorder   *recorder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestRecorder, test_recorder_free)

/* A plain WebSocket client, for frames a libconfab client would never send. */
SoupWebsocketConnection *test_raw_connect (ConfabServer *server);
char          *test_raw_next_text      (SoupWebsocketConnection *websocket,
                                        GQueue                  *inbox);
void           test_raw_track          (SoupWebsocketConnection *websocket,
                                        GQueue                  *inbox);
void           test_raw_wait_closed    (SoupWebsocketConnection *websocket);

G_END_DECLS
