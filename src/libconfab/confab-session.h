/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <gio/gio.h>

#include "confab-version-macros.h"

#include "confab-connection.h"
#include "confab-enums.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_SESSION (confab_session_get_type ())

CONFAB_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ConfabSession, confab_session, CONFAB, SESSION, GObject)

CONFAB_AVAILABLE_IN_ALL
ConfabSession      *confab_session_new                  (const char           *server_url,
                                                         const char           *session_id);
CONFAB_AVAILABLE_IN_ALL
const char         *confab_session_get_server_url       (ConfabSession        *self);
CONFAB_AVAILABLE_IN_ALL
const char         *confab_session_get_session_id       (ConfabSession        *self);
CONFAB_AVAILABLE_IN_ALL
ConfabSessionState  confab_session_get_state            (ConfabSession        *self);
CONFAB_AVAILABLE_IN_ALL
ConfabConnection   *confab_session_get_connection       (ConfabSession        *self);
CONFAB_AVAILABLE_IN_ALL
GListModel         *confab_session_get_connections      (ConfabSession        *self);
CONFAB_AVAILABLE_IN_ALL
ConfabConnection   *confab_session_lookup_connection    (ConfabSession        *self,
                                                         const char           *connection_id);
CONFAB_AVAILABLE_IN_ALL
guint               confab_session_get_queued_signals   (ConfabSession        *self);
CONFAB_AVAILABLE_IN_ALL
gint64              confab_session_get_next_reconnect_time (ConfabSession     *self);

CONFAB_AVAILABLE_IN_ALL
void                confab_session_connect_async        (ConfabSession        *self,
                                                         const char           *token,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
CONFAB_AVAILABLE_IN_ALL
gboolean            confab_session_connect_finish       (ConfabSession        *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
CONFAB_AVAILABLE_IN_ALL
void                confab_session_disconnect           (ConfabSession        *self);
CONFAB_AVAILABLE_IN_ALL
void                confab_session_disconnect_async     (ConfabSession        *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
CONFAB_AVAILABLE_IN_ALL
gboolean            confab_session_disconnect_finish    (ConfabSession        *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
CONFAB_AVAILABLE_IN_ALL
void                confab_session_reconnect_now        (ConfabSession        *self);

CONFAB_AVAILABLE_IN_ALL
void                confab_session_send_signal_async    (ConfabSession        *self,
                                                         const char           *type,
                                                         const char           *data,
                                                         const char           *to_connection_id,
                                                         gboolean              retry_after_reconnect,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
CONFAB_AVAILABLE_IN_ALL
gboolean            confab_session_send_signal_finish   (ConfabSession        *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

CONFAB_AVAILABLE_IN_ALL
void                confab_session_force_disconnect_async (ConfabSession      *self,
                                                         const char           *connection_id,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
CONFAB_AVAILABLE_IN_ALL
gboolean            confab_session_force_disconnect_finish (ConfabSession     *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

G_END_DECLS
