/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <gio/gio.h>

#include "confab-connection.h"
#include "confab-enums.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_SESSION (confab_session_get_type ())

G_DECLARE_FINAL_TYPE (ConfabSession, confab_session, CONFAB, SESSION, GObject)

ConfabSession      *confab_session_new                  (const char           *server_url,
                                                         const char           *session_id);
const char         *confab_session_get_server_url       (ConfabSession        *self);
const char         *confab_session_get_session_id       (ConfabSession        *self);
ConfabSessionState  confab_session_get_state            (ConfabSession        *self);
ConfabConnection   *confab_session_get_connection       (ConfabSession        *self);
GListModel         *confab_session_get_connections      (ConfabSession        *self);
ConfabConnection   *confab_session_lookup_connection    (ConfabSession        *self,
                                                         const char           *connection_id);
guint               confab_session_get_queued_signals   (ConfabSession        *self);
gint64              confab_session_get_next_reconnect_time (ConfabSession     *self);

void                confab_session_connect_async        (ConfabSession        *self,
                                                         const char           *token,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean            confab_session_connect_finish       (ConfabSession        *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
void                confab_session_disconnect           (ConfabSession        *self);
void                confab_session_disconnect_async     (ConfabSession        *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean            confab_session_disconnect_finish    (ConfabSession        *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
void                confab_session_reconnect_now        (ConfabSession        *self);

void                confab_session_send_signal_async    (ConfabSession        *self,
                                                         const char           *type,
                                                         const char           *data,
                                                         const char           *to_connection_id,
                                                         gboolean              retry_after_reconnect,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean            confab_session_send_signal_finish   (ConfabSession        *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

void                confab_session_force_disconnect_async (ConfabSession      *self,
                                                         const char           *connection_id,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean            confab_session_force_disconnect_finish (ConfabSession     *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

G_END_DECLS
