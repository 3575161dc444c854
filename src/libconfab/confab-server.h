/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <gio/gio.h>

#include "confab-version-macros.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_SERVER (confab_server_get_type ())

CONFAB_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ConfabServer, confab_server, CONFAB, SERVER, GObject)

CONFAB_AVAILABLE_IN_ALL
ConfabServer *confab_server_new               (const char    *api_key,
                                               const char    *api_secret);
CONFAB_AVAILABLE_IN_ALL
gboolean      confab_server_listen            (ConfabServer  *self,
                                               const char    *address,
                                               guint          port,
                                               GError       **error);
CONFAB_AVAILABLE_IN_ALL
void          confab_server_stop              (ConfabServer  *self);
CONFAB_AVAILABLE_IN_ALL
guint         confab_server_get_port          (ConfabServer  *self);
CONFAB_AVAILABLE_IN_ALL
char         *confab_server_dup_url           (ConfabServer  *self);
CONFAB_AVAILABLE_IN_ALL
const char   *confab_server_get_api_key       (ConfabServer  *self);
CONFAB_AVAILABLE_IN_ALL
guint         confab_server_get_n_connections (ConfabServer  *self);

CONFAB_AVAILABLE_IN_ALL
gboolean      confab_server_send_signal       (ConfabServer  *self,
                                               const char    *session_id,
                                               const char    *to_connection_id,
                                               const char    *type,
                                               const char    *data,
                                               GError       **error);
CONFAB_AVAILABLE_IN_ALL
gboolean      confab_server_force_disconnect  (ConfabServer  *self,
                                               const char    *session_id,
                                               const char    *connection_id,
                                               GError       **error);
CONFAB_AVAILABLE_IN_ALL
GPtrArray    *confab_server_dup_connections   (ConfabServer  *self,
                                               const char    *session_id);

G_END_DECLS
