/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

char       *confab_base64url_encode (const guchar *data,
                                     gsize         length);
guchar     *confab_base64url_decode (const char   *text,
                                     gsize         text_length,
                                     gsize        *out_length);

gboolean    confab_equal_in_constant_time (const char *a,
                                     const char   *b);

char       *confab_jwt_encode       (JsonObject   *claims,
                                     const char   *secret);
JsonObject *confab_jwt_decode       (const char   *jwt,
                                     const char   *secret,
                                     GError      **error);
gboolean    confab_jwt_check_time   (JsonObject   *claims,
                                     gint64        now,
                                     GError      **error);
gboolean    confab_jwt_get_time_claim (JsonObject *claims,
                                     const char   *name,
                                     gint64       *value);
JsonObject *confab_jwt_decode_for_project (const char *jwt,
                                     const char   *api_key,
                                     const char   *api_secret,
                                     gint64        now,
                                     const char   *what,
                                     GError      **error);

G_END_DECLS
