/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-token-legacy"

#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-jwt-private.h"
#include "confab-signal.h"
#include "confab-token-legacy-private.h"

/* How far ahead of our clock a token's create_time may be: clocks drift. */
#define CLOCK_SKEW 300

static gboolean
fail (GError     **error,
      const char  *message)
{
  g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED, message);
  return FALSE;
}

static char *
sign (const char *secret,
      const char *data,
      gsize       length)
{
  return g_compute_hmac_for_data (G_CHECKSUM_SHA1, (const guchar *) secret, strlen (secret),
                                  (const guchar *) data, length);
}

/* Decodes `a=1&b=2` as a form does ('+' is a space), refusing a name given twice: the signed
 * text must mean one thing. */
static GHashTable *
parse_form (const char  *text,
            gsize        length,
            const char  *what,
            GError     **error)
{
  g_autoptr(GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *copy = g_strndup (text, length);
  g_auto(GStrv) pairs = g_strsplit (copy, "&", -1);

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;
      char *equals;

      if (pairs[i][0] == '\0')
        continue;

      g_strdelimit (pairs[i], "+", ' ');
      equals = strchr (pairs[i], '=');
      if (equals != NULL)
        *equals = '\0';

      name = g_uri_unescape_string (pairs[i], NULL);
      value = g_uri_unescape_string (equals ? equals + 1 : "", NULL);
      if (name == NULL || value == NULL ||
          !g_utf8_validate (name, -1, NULL) || !g_utf8_validate (value, -1, NULL))
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                       "The token's %s is not correctly URL-encoded UTF-8", what);
          return NULL;
        }

      if (g_hash_table_contains (fields, name))
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                       "The token's %s gives “%s” twice", what, name);
          return NULL;
        }

      g_hash_table_insert (fields, g_steal_pointer (&name), g_steal_pointer (&value));
    }

  return g_steal_pointer (&fields);
}

static gboolean
get_time (GHashTable  *fields,
          const char  *name,
          gboolean     required,
          gint64      *value,
          GError     **error)
{
  const char *text = g_hash_table_lookup (fields, name);

  if (text == NULL && !required)
    return TRUE;

  if (text == NULL ||
      !g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, value, NULL))
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                   "The token's “%s” is not a time in seconds since the epoch", name);
      return FALSE;
    }

  return TRUE;
}

/*
 * confab_token_legacy_verify:
 *
 * Checks a `T1==` token as confab_token_verify() checks a JWT: the partner id is the API key,
 * the HMAC-SHA1 of the data matches the secret, it has not expired, and its role and
 * connection data are valid. Which session it is for is left to the caller.
 */
gboolean
confab_token_legacy_verify (const char         *token,
                            const char         *api_key,
                            const char         *api_secret,
                            gint64              now,
                            ConfabTokenClaims  *claims,
                            GError            **error)
{
  g_autofree char *decoded = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *given = NULL;
  g_autoptr(GHashTable) header = NULL;
  g_autoptr(GHashTable) data = NULL;
  const char *body;
  const char *colon;
  const char *partner_id;
  const char *signature;
  const char *scope;
  gint64 create_time = 0;
  gint64 expire_time = 0;
  gsize length;

  g_return_val_if_fail (token != NULL, FALSE);
  g_return_val_if_fail (claims != NULL, FALSE);

  if (!g_str_has_prefix (token, CONFAB_TOKEN_LEGACY_PREFIX))
    return fail (error, "The token does not start with “T1==”");

  body = token + strlen (CONFAB_TOKEN_LEGACY_PREFIX);
  decoded = (char *) confab_base64url_decode (body, strlen (body), &length);
  if (decoded == NULL || length == 0 || memchr (decoded, '\0', length) != NULL)
    return fail (error, "The T1 token is not valid base64");

  /* Room for the nul g_base64_decode() does not write. */
  decoded = g_realloc (decoded, length + 1);
  decoded[length] = '\0';

  /* DATA is URL-encoded, so the first colon is the separator. */
  colon = strchr (decoded, ':');
  if (colon == NULL)
    return fail (error, "The T1 token has no “:” between its signature and its data");

  header = parse_form (decoded, colon - decoded, "signature part", error);
  if (header == NULL)
    return FALSE;

  partner_id = g_hash_table_lookup (header, "partner_id");
  signature = g_hash_table_lookup (header, "sig");
  if (partner_id == NULL || signature == NULL)
    return fail (error, "The T1 token lacks “partner_id” or “sig”");

  if (strcmp (partner_id, api_key) != 0)
    return fail (error, "The token was issued for another API key");

  /* The hex digest may come in either case. */
  expected = sign (api_secret, colon + 1, strlen (colon + 1));
  given = g_ascii_strdown (signature, -1);
  if (!confab_equal_in_constant_time (expected, given))
    return fail (error, "The token's signature does not match this server's secret");

  data = parse_form (colon + 1, strlen (colon + 1), "data", error);
  if (data == NULL)
    return FALSE;

  if (!get_time (data, "expire_time", TRUE, &expire_time, error) ||
      !get_time (data, "create_time", FALSE, &create_time, error))
    return FALSE;

  if (expire_time <= now)
    return fail (error, "The token has expired");

  if (create_time > now + CLOCK_SKEW)
    return fail (error, "The token was issued in the future; check the clocks");

  scope = g_hash_table_lookup (data, "scope");
  if (scope != NULL && *scope != '\0' && strcmp (scope, "session.connect") != 0)
    return fail (error, "The token does not grant “session.connect”");

  return confab_token_claims_fill (claims,
                                   g_hash_table_lookup (data, "session_id"),
                                   g_hash_table_lookup (data, "role"),
                                   g_hash_table_lookup (data, "connection_data"),
                                   expire_time, error);
}

static void
append_field (GString    *out,
              const char *name,
              const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  if (out->len > 0)
    g_string_append_c (out, '&');
  g_string_append_printf (out, "%s=%s", name, escaped);
}

/*
 * confab_token_legacy_new:
 *
 * Mints a `T1==` token with the fields, order and encoding OpenTok's Node SDK gives its
 * legacy tokens, for tools and tests that need one without that SDK.
 */
char *
confab_token_legacy_new (const char  *api_key,
                         const char  *api_secret,
                         const char  *session_id,
                         ConfabRole   role,
                         const char  *connection_data,
                         gint64       expire_time,
                         GError     **error)
{
  g_autoptr(GString) data = g_string_new (NULL);
  g_autofree char *signature = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *number = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_val_if_fail (api_key != NULL, NULL);
  g_return_val_if_fail (api_secret != NULL, NULL);
  g_return_val_if_fail (session_id != NULL, NULL);

  if (!confab_token_check_connection_data (connection_data, error))
    return NULL;

  if (expire_time == 0)
    expire_time = now + CONFAB_TOKEN_DEFAULT_LIFETIME;

  append_field (data, "session_id", session_id);
  number = g_strdup_printf ("%" G_GINT64_FORMAT, now);
  append_field (data, "create_time", number);
  g_free (number);
  number = g_strdup_printf ("%u", g_random_int ());
  append_field (data, "nonce", number);
  append_field (data, "role", confab_role_to_string (role));
  g_free (number);
  number = g_strdup_printf ("%" G_GINT64_FORMAT, expire_time);
  append_field (data, "expire_time", number);
  if (connection_data != NULL)
    append_field (data, "connection_data", connection_data);

  signature = sign (api_secret, data->str, data->len);
  plain = g_strdup_printf ("partner_id=%s&sig=%s:%s", api_key, signature, data->str);
  encoded = g_base64_encode ((const guchar *) plain, strlen (plain));

  return g_strconcat (CONFAB_TOKEN_LEGACY_PREFIX, encoded, NULL);
}
