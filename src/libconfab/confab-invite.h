/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <gio/gio.h>

#include "confab-version-macros.h"

#include "confab-enums.h"

G_BEGIN_DECLS

CONFAB_AVAILABLE_IN_ALL
char     *confab_invite_new           (const char           *api_key,
                                       const char           *api_secret,
                                       const char           *session_id,
                                       ConfabRole            role,
                                       gint64                expire_time,
                                       GError              **error);
CONFAB_AVAILABLE_IN_ALL
char     *confab_invite_link_new      (const char           *server_url,
                                       const char           *session_id,
                                       const char           *invite);
CONFAB_AVAILABLE_IN_ALL
gboolean  confab_invite_link_parse    (const char           *link,
                                       char                **server_url,
                                       char                **session_id,
                                       char                **invite,
                                       GError              **error);
CONFAB_AVAILABLE_IN_ALL
void      confab_invite_redeem_async  (const char           *link,
                                       const char           *connection_data,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
CONFAB_AVAILABLE_IN_ALL
gboolean  confab_invite_redeem_finish (GAsyncResult         *result,
                                       char                **server_url,
                                       char                **session_id,
                                       char                **token,
                                       GError              **error);

G_END_DECLS
