/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-test"

#include "confab-test-util.h"

static gboolean
on_wait_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

void
test_wait_until (TestCondition  condition,
                 gpointer       user_data,
                 const char    *what)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (TEST_WAIT_SECONDS, on_wait_timeout, &timed_out);

  while (!condition (user_data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (timed_out)
    g_error ("Gave up waiting for %s after %d s", what, TEST_WAIT_SECONDS);

  g_source_remove (timeout_id);
}

static gboolean
flag_is_set (gpointer user_data)
{
  return *(gboolean *) user_data;
}

void
test_wait_for_flag (gboolean   *flag,
                    const char *what)
{
  test_wait_until (flag_is_set, flag, what);
}

/* Runs the main loop for a while: used only where a test must show that something does NOT
 * happen (a signal that must not arrive). */
void
test_spin (guint milliseconds)
{
  gboolean done = FALSE;
  guint id = g_timeout_add (milliseconds, on_wait_timeout, &done);

  while (!done)
    g_main_context_iteration (NULL, TRUE);
  (void) id;
}

/* GTest prints every debug message, libsoup's per frame among them; set CONFAB_TEST_DEBUG to
 * see them when hunting a failure. */
static GLogFunc chained_log_handler;
static gpointer chained_log_data;

static void
drop_debug (const char     *domain,
            GLogLevelFlags  level,
            const char     *message,
            gpointer        user_data)
{
  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0)
    return;

  chained_log_handler (domain, level, message, chained_log_data);
}

void
test_init (int    *argc,
           char ***argv)
{
  g_test_init (argc, argv, NULL);

  if (g_getenv ("CONFAB_TEST_DEBUG") == NULL)
    chained_log_handler = g_log_set_default_handler (drop_debug, NULL);
}

void
test_fixture_set_up (TestFixture   *fixture,
                     gconstpointer  data)
{
  fixture->server = test_server_new ();
  fixture->session_id = confab_session_id_new (TEST_API_KEY);
}

void
test_fixture_tear_down (TestFixture   *fixture,
                        gconstpointer  data)
{
  confab_server_stop (fixture->server);
  g_assert_finalize_object (fixture->server);
  g_free (fixture->session_id);
}

const char *
test_id_of (ConfabSession *session)
{
  return confab_connection_get_id (confab_session_get_connection (session));
}

ConfabServer *
test_server_new (void)
{
  g_autoptr(ConfabServer) server = confab_server_new (TEST_API_KEY, TEST_API_SECRET);
  g_autoptr(GError) error = NULL;

  confab_server_listen (server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (confab_server_get_port (server), >, 0);

  return g_steal_pointer (&server);
}

char *
test_token (const char *session_id,
            ConfabRole  role,
            const char *data)
{
  g_autoptr(GError) error = NULL;
  char *token = confab_token_new (TEST_API_KEY, TEST_API_SECRET, session_id, role, data, 0, &error);

  g_assert_no_error (error);
  return token;
}

ConfabSession *
test_session_new (ConfabServer *server,
                  const char   *session_id)
{
  g_autofree char *url = confab_server_dup_url (server);

  return confab_session_new (url, session_id);
}

/* Every async call the tests make is waited for the same way: its result is kept, then the
 * matching _finish() reads it. */
static void
keep_result (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
result_is_in (gpointer user_data)
{
  return *(GAsyncResult **) user_data != NULL;
}

gboolean
test_session_connect (ConfabSession  *session,
                      const char     *token,
                      GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  confab_session_connect_async (session, token, NULL, keep_result, &result);
  test_wait_until (result_is_in, &result, "the session to join");
  return confab_session_connect_finish (session, result, error);
}

ConfabSession *
test_join (ConfabServer *server,
           const char   *session_id,
           ConfabRole    role,
           const char   *data)
{
  g_autoptr(ConfabSession) session = test_session_new (server, session_id);
  g_autofree char *token = test_token (session_id, role, data);
  g_autoptr(GError) error = NULL;

  test_session_connect (session, token, &error);
  g_assert_no_error (error);
  g_assert_cmpint (confab_session_get_state (session), ==, CONFAB_SESSION_STATE_CONNECTED);

  return g_steal_pointer (&session);
}

gboolean
test_send (ConfabSession  *session,
           const char     *type,
           const char     *data,
           const char     *to,
           GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  confab_session_send_signal_async (session, type, data, to, TRUE, NULL, keep_result, &result);
  test_wait_until (result_is_in, &result, "the signal to be answered");
  return confab_session_send_signal_finish (session, result, error);
}

gboolean
test_force_disconnect (ConfabSession  *session,
                       const char     *connection_id,
                       GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  confab_session_force_disconnect_async (session, connection_id, NULL, keep_result, &result);
  test_wait_until (result_is_in, &result, "the force-disconnect to be answered");
  return confab_session_force_disconnect_finish (session, result, error);
}

void
test_leave (ConfabSession *session)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  confab_session_disconnect_async (session, NULL, keep_result, &result);
  test_wait_until (result_is_in, &result, "the session to be left");
  g_assert_true (confab_session_disconnect_finish (session, result, &error));
  g_assert_no_error (error);
}

struct _TestRecorder
{
  ConfabSession *session;
  GPtrArray     *events;
  guint          n_direct;
};

static void
record (TestRecorder *recorder,
        char         *line)
{
  g_ptr_array_add (recorder->events, line);
}

static const char *
reason_name (ConfabDisconnectReason reason)
{
  return confab_disconnect_reason_to_string (reason);
}

static void
on_signal (ConfabSession    *session,
           const char       *type,
           const char       *data,
           ConfabConnection *from,
           gboolean          direct,
           TestRecorder     *recorder)
{
  if (direct)
    recorder->n_direct++;
  record (recorder, g_strdup_printf ("signal %s %s %s", type, data,
                                     from ? confab_connection_get_id (from) : "server"));
}

static void
on_created (ConfabSession    *session,
            ConfabConnection *connection,
            TestRecorder     *recorder)
{
  record (recorder, g_strdup_printf ("created %s", confab_connection_get_id (connection)));
}

static void
on_destroyed (ConfabSession          *session,
              ConfabConnection       *connection,
              ConfabDisconnectReason  reason,
              TestRecorder           *recorder)
{
  record (recorder, g_strdup_printf ("destroyed %s %s", confab_connection_get_id (connection),
                                     reason_name (reason)));
}

static void
on_reconnecting (ConfabSession *session,
                 TestRecorder  *recorder)
{
  record (recorder, g_strdup ("reconnecting"));
}

static void
on_reconnected (ConfabSession *session,
                gboolean       resumed,
                TestRecorder  *recorder)
{
  record (recorder, g_strdup_printf ("reconnected %s", resumed ? "resumed" : "fresh"));
}

static void
on_disconnected (ConfabSession          *session,
                 ConfabDisconnectReason  reason,
                 TestRecorder           *recorder)
{
  record (recorder, g_strdup_printf ("disconnected %s", reason_name (reason)));
}

TestRecorder *
test_recorder_new (ConfabSession *session)
{
  TestRecorder *recorder = g_new0 (TestRecorder, 1);

  recorder->session = g_object_ref (session);
  recorder->events = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (session, "signal", G_CALLBACK (on_signal), recorder);
  g_signal_connect (session, "connection-created", G_CALLBACK (on_created), recorder);
  g_signal_connect (session, "connection-destroyed", G_CALLBACK (on_destroyed), recorder);
  g_signal_connect (session, "reconnecting", G_CALLBACK (on_reconnecting), recorder);
  g_signal_connect (session, "reconnected", G_CALLBACK (on_reconnected), recorder);
  g_signal_connect (session, "disconnected", G_CALLBACK (on_disconnected), recorder);
  return recorder;
}

void
test_recorder_free (TestRecorder *recorder)
{
  g_signal_handlers_disconnect_by_data (recorder->session, recorder);
  g_object_unref (recorder->session);
  g_ptr_array_unref (recorder->events);
  g_free (recorder);
}

GPtrArray *
test_recorder_get_events (TestRecorder *recorder)
{
  return recorder->events;
}

/* How many of the signals it heard were sent to it alone. */
guint
test_recorder_count_direct (TestRecorder *recorder)
{
  return recorder->n_direct;
}

guint
test_recorder_count (TestRecorder *recorder,
                     const char   *prefix)
{
  guint count = 0;

  for (guint i = 0; i < recorder->events->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (recorder->events, i), prefix))
      count++;

  return count;
}

typedef struct {
  TestRecorder *recorder;
  const char   *prefix;
  guint         count;
} CountWait;

static gboolean
count_reached (gpointer user_data)
{
  CountWait *wait = user_data;

  return test_recorder_count (wait->recorder, wait->prefix) >= wait->count;
}

void
test_recorder_wait_count (TestRecorder *recorder,
                          const char   *prefix,
                          guint         count)
{
  CountWait wait = { recorder, prefix, count };
  g_autofree char *what = g_strdup_printf ("%u events starting “%s”", count, prefix);

  test_wait_until (count_reached, &wait, what);
}

void
test_recorder_clear (TestRecorder *recorder)
{
  g_ptr_array_set_size (recorder->events, 0);
  recorder->n_direct = 0;
}

SoupWebsocketConnection *
test_raw_connect (ConfabServer *server)
{
  g_autoptr(SoupSession) soup = soup_session_new ();
  g_autofree char *base = confab_server_dup_url (server);
  g_autofree char *url = g_strconcat (base, "/v1/ws", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *websocket;
  char *protocols[] = { (char *) "confab.v1", NULL };

  soup_session_websocket_connect_async (soup, message, NULL, protocols, G_PRIORITY_DEFAULT, NULL,
                                        keep_result, &result);
  test_wait_until (result_is_in, &result, "the WebSocket handshake");
  websocket = soup_session_websocket_connect_finish (soup, result, &error);
  g_assert_no_error (error);

  return websocket;
}

static void
on_raw_message (SoupWebsocketConnection *websocket,
                SoupWebsocketDataType    type,
                GBytes                  *message,
                GQueue                  *inbox)
{
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  g_queue_push_tail (inbox, g_strndup (data, length));
}

void
test_raw_track (SoupWebsocketConnection *websocket,
                GQueue                  *inbox)
{
  g_signal_connect (websocket, "message", G_CALLBACK (on_raw_message), inbox);
}

typedef struct {
  SoupWebsocketConnection *websocket;
  GQueue                  *inbox;
} RawWait;

static gboolean
raw_has_text_or_closed (gpointer user_data)
{
  RawWait *wait = user_data;

  return wait->inbox->length > 0 ||
         soup_websocket_connection_get_state (wait->websocket) == SOUP_WEBSOCKET_STATE_CLOSED;
}

/* The next frame the server sent, or NULL once the link is closed and nothing is left. */
char *
test_raw_next_text (SoupWebsocketConnection *websocket,
                    GQueue                  *inbox)
{
  RawWait wait = { websocket, inbox };

  test_wait_until (raw_has_text_or_closed, &wait, "a frame from the server");
  return g_queue_pop_head (inbox);
}

static gboolean
raw_is_closed (gpointer user_data)
{
  return soup_websocket_connection_get_state (user_data) == SOUP_WEBSOCKET_STATE_CLOSED;
}

void
test_raw_wait_closed (SoupWebsocketConnection *websocket)
{
  test_wait_until (raw_is_closed, websocket, "the server to close the link");
}
