/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

#define CONFAB_TYPE_SERVER (confab_server_get_type ())

G_DECLARE_FINAL_TYPE (ConfabServer, confab_server, CONFAB, SERVER, GObject)

ConfabServer *confab_server_new               (const char    *api_key,
                                               const char    *api_secret);
gboolean      confab_server_listen            (ConfabServer  *self,
                                               const char    *address,
                                               guint          port,
                                               GError       **error);
void          confab_server_stop              (ConfabServer  *self);
guint         confab_server_get_port          (ConfabServer  *self);
char         *confab_server_dup_url           (ConfabServer  *self);
const char   *confab_server_get_api_key       (ConfabServer  *self);
guint         confab_server_get_n_connections (ConfabServer  *self);

gboolean      confab_server_send_signal       (ConfabServer  *self,
                                               const char    *session_id,
                                               const char    *to_connection_id,
                                               const char    *type,
                                               const char    *data,
                                               GError       **error);
gboolean      confab_server_force_disconnect  (ConfabServer  *self,
                                               const char    *session_id,
                                               const char    *connection_id,
                                               GError       **error);
GPtrArray    *confab_server_dup_connections   (ConfabServer  *self,
                                               const char    *session_id);

G_END_DECLS
