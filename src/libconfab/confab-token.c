/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-token"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "confab-error.h"
#include "confab-jwt-private.h"
#include "confab-random-private.h"
#include "confab-protocol-private.h"
#include "confab-signal.h"
#include "confab-token-legacy-private.h"
#include "confab-token-private.h"

gboolean
confab_token_check_connection_data (const char  *connection_data,
                                    GError     **error)
{
  if (connection_data == NULL)
    return TRUE;

  if (!g_utf8_validate (connection_data, -1, NULL))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                           "The connection data is not valid UTF-8");
      return FALSE;
    }

  if (g_utf8_strlen (connection_data, -1) > CONFAB_CONNECTION_DATA_MAX_LENGTH)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                   "The connection data is over %d characters",
                   CONFAB_CONNECTION_DATA_MAX_LENGTH);
      return FALSE;
    }

  return TRUE;
}

/**
 * confab_token_new:
 * @api_key: the project's API key
 * @api_secret: the project's API secret
 * @session_id: the session the token lets its holder join
 * @role: what the holder may do
 * @connection_data: (nullable): data every other participant sees with the connection,
 *   such as a display name; at most %CONFAB_CONNECTION_DATA_MAX_LENGTH characters
 * @expire_time: when the token expires, in seconds since the epoch, or 0 for
 *   %CONFAB_TOKEN_DEFAULT_LIFETIME from now
 * @error: return location for a #GError
 *
 * Mints a client token: a JWT signed with HS256 and the API secret, with the claims OpenTok's
 * server SDKs put in theirs.
 *
 * Returns: (transfer full): the token, or %NULL with @error set
 */
char *
confab_token_new (const char  *api_key,
                  const char  *api_secret,
                  const char  *session_id,
                  ConfabRole   role,
                  const char  *connection_data,
                  gint64       expire_time,
                  GError     **error)
{
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *nonce = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_val_if_fail (api_key != NULL, NULL);
  g_return_val_if_fail (api_secret != NULL, NULL);
  g_return_val_if_fail (session_id != NULL, NULL);

  if (!confab_token_check_connection_data (connection_data, error))
    return NULL;

  if (expire_time == 0)
    expire_time = now + CONFAB_TOKEN_DEFAULT_LIFETIME;

  nonce = confab_random_hex (16);
  claims = json_object_new ();
  json_object_set_string_member (claims, "iss", api_key);
  json_object_set_string_member (claims, "ist", "project");
  json_object_set_int_member (claims, "iat", now);
  json_object_set_int_member (claims, "exp", expire_time);
  json_object_set_string_member (claims, "scope", "session.connect");
  json_object_set_string_member (claims, "session_id", session_id);
  json_object_set_string_member (claims, "role", confab_role_to_string (role));
  json_object_set_string_member (claims, "nonce", nonce);
  json_object_set_int_member (claims, "create_time", now);
  json_object_set_int_member (claims, "expire_time", expire_time);
  if (connection_data != NULL)
    json_object_set_string_member (claims, "connection_data", connection_data);

  return confab_jwt_encode (claims, api_secret);
}

/**
 * confab_session_id_new:
 * @api_key: the project's API key
 *
 * Makes a new session id in OpenTok's shape, `1_` followed by the base64url form of
 * `1~KEY~LOCATION~CREATE_TIME~RANDOM`, so that OpenTok's server SDKs accept it.
 *
 * Returns: (transfer full): the session id
 */
char *
confab_session_id_new (const char *api_key)
{
  g_autofree char *random = confab_random_hex (16);
  g_autofree char *fields = NULL;
  g_autofree char *encoded = NULL;

  g_return_val_if_fail (api_key != NULL, NULL);

  fields = g_strdup_printf ("1~%s~127.0.0.1~%" G_GINT64_FORMAT "~%s",
                            api_key, g_get_real_time () / 1000, random);
  encoded = confab_base64url_encode ((const guchar *) fields, strlen (fields));

  return g_strconcat ("1_", encoded, NULL);
}

/**
 * confab_api_secret_new:
 *
 * Makes a new API secret, for a server that an application starts for itself: 32 bytes from
 * the kernel's random source, as hex digits.
 *
 * Returns: (transfer full): the secret
 */
char *
confab_api_secret_new (void)
{
  return confab_random_hex (32);
}

/**
 * confab_session_id_get_api_key:
 * @session_id: a session id
 *
 * Reads the API key out of a session id in OpenTok's shape.
 *
 * Returns: (transfer full) (nullable): the API key, or %NULL if @session_id is not of that
 *   shape
 */
char *
confab_session_id_get_api_key (const char *session_id)
{
  g_autofree char *decoded = NULL;
  g_auto(GStrv) fields = NULL;
  gsize length;

  g_return_val_if_fail (session_id != NULL, NULL);

  if (strlen (session_id) < 3 || session_id[1] != '_' || !g_ascii_isdigit (session_id[0]))
    return NULL;

  decoded = (char *) confab_base64url_decode (session_id + 2, strlen (session_id + 2), &length);
  if (decoded == NULL || memchr (decoded, '\0', length) != NULL)
    return NULL;

  /* Room for the terminating nul that g_base64_decode() does not write. */
  decoded = g_realloc (decoded, length + 1);
  decoded[length] = '\0';

  fields = g_strsplit (decoded, "~", 0);
  if (g_strv_length (fields) < 2 || fields[1][0] == '\0')
    return NULL;

  return g_strdup (fields[1]);
}

void
confab_token_claims_clear (ConfabTokenClaims *claims)
{
  g_clear_pointer (&claims->session_id, g_free);
  g_clear_pointer (&claims->connection_data, g_free);
}

/*
 * confab_token_verify:
 *
 * Checks a client token against the project's key and secret: signature, algorithm, expiry,
 * issuer, scope, role and connection data. Which session it is for is left to the caller.
 */
gboolean
confab_token_verify (const char         *token,
                     const char         *api_key,
                     const char         *api_secret,
                     gint64              now,
                     ConfabTokenClaims  *claims,
                     GError            **error)
{
  g_autoptr(JsonObject) object = NULL;
  const char *scope;

  if (token != NULL && g_str_has_prefix (token, CONFAB_TOKEN_LEGACY_PREFIX) &&
      strlen (token) <= CONFAB_TOKEN_MAX_LENGTH)
    return confab_token_legacy_verify (token, api_key, api_secret, now, claims, error);

  object = confab_jwt_decode_for_project (token, api_key, api_secret, now, "token", error);
  if (object == NULL)
    return FALSE;

  scope = json_object_get_string_member_with_default (object, "scope", NULL);
  if (scope == NULL || strcmp (scope, "session.connect") != 0)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                           "The token does not grant “session.connect”");
      return FALSE;
    }

  return confab_token_claims_fill (claims,
                                   json_object_get_string_member_with_default (object,
                                                                               "session_id",
                                                                               NULL),
                                   json_object_get_string_member_with_default (object, "role",
                                                                               NULL),
                                   json_object_get_string_member_with_default (object,
                                                                               "connection_data",
                                                                               NULL),
                                   json_object_get_int_member_with_default (object, "exp", 0),
                                   error);
}

/*
 * confab_token_claims_fill:
 * @role_name: (nullable): the role; %NULL means publisher, as in OpenTok
 * @connection_data: (nullable): the connection data; %NULL means none
 *
 * The checks every client token gets once its own format has been verified, whatever that
 * format is. Fails with CONFAB_ERROR_UNAUTHORIZED.
 */
gboolean
confab_token_claims_fill (ConfabTokenClaims  *claims,
                          const char         *session_id,
                          const char         *role_name,
                          const char         *connection_data,
                          gint64              expire_time,
                          GError            **error)
{
  g_autoptr(GError) data_error = NULL;
  ConfabRole role = CONFAB_ROLE_PUBLISHER;

  if (session_id == NULL || *session_id == '\0')
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                           "The token names no session");
      return FALSE;
    }

  if (role_name != NULL && !confab_role_from_string (role_name, &role))
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                   "The token's role “%s” is not one of subscriber, publisher, "
                   "publisheronly or moderator", role_name);
      return FALSE;
    }

  if (!confab_token_check_connection_data (connection_data, &data_error))
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                   "The token is not valid: %s", data_error->message);
      return FALSE;
    }

  claims->session_id = g_strdup (session_id);
  claims->role = role;
  claims->connection_data = g_strdup (connection_data ? connection_data : "");
  claims->expire_time = expire_time;
  return TRUE;
}
