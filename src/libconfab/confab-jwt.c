/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-jwt"

#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-jwt-private.h"
#include "confab-protocol-private.h"

/* JSON Web Tokens, HS256 only: that is all OpenTok uses, and refusing every other algorithm
 * (above all "none") is what keeps a forged token out. */

char *
confab_base64url_encode (const guchar *data,
                         gsize         length)
{
  char *text = g_base64_encode (data, length);
  char *p;

  for (p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }

  return text;
}

/* Accepts both the URL-safe and the standard alphabet, with or without padding, as OpenTok's
 * SDKs do. Returns NULL on any other character. */
guchar *
confab_base64url_decode (const char *text,
                         gsize       text_length,
                         gsize      *out_length)
{
  g_autoptr(GString) standard = g_string_sized_new (text_length + 4);

  for (gsize i = 0; i < text_length; i++)
    {
      char c = text[i];

      if (c == '-')
        c = '+';
      else if (c == '_')
        c = '/';
      else if (c == '=')
        break;
      else if (!g_ascii_isalnum (c) && c != '+' && c != '/')
        return NULL;

      g_string_append_c (standard, c);
    }

  if (standard->len % 4 == 1)
    return NULL;
  while (standard->len % 4 != 0)
    g_string_append_c (standard, '=');

  return g_base64_decode (standard->str, out_length);
}

static char *
sign (const char *secret,
      const char *signing_input,
      gsize       length)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  guint8 digest[32];
  gsize digest_length = sizeof digest;

  g_hmac_update (hmac, (const guchar *) signing_input, length);
  g_hmac_get_digest (hmac, digest, &digest_length);

  return confab_base64url_encode (digest, digest_length);
}

/* Compares two signatures in time that does not depend on where they first differ. */
gboolean
confab_equal_in_constant_time (const char *a,
                               const char *b)
{
  gsize length = strlen (a);
  guchar difference = 0;

  if (length != strlen (b))
    return FALSE;

  for (gsize i = 0; i < length; i++)
    difference |= (guchar) a[i] ^ (guchar) b[i];

  return difference == 0;
}

static char *
encode_json_part (JsonNode *node)
{
  g_autofree char *json = json_to_string (node, FALSE);

  return confab_base64url_encode ((const guchar *) json, strlen (json));
}

char *
confab_jwt_encode (JsonObject *claims,
                   const char *secret)
{
  g_autoptr(JsonNode) header = json_from_string ("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", NULL);
  g_autoptr(JsonNode) payload = json_node_init_object (json_node_alloc (), claims);
  g_autofree char *header_part = encode_json_part (header);
  g_autofree char *payload_part = encode_json_part (payload);
  g_autofree char *signing_input = g_strconcat (header_part, ".", payload_part, NULL);
  g_autofree char *signature = sign (secret, signing_input, strlen (signing_input));

  return g_strconcat (signing_input, ".", signature, NULL);
}

static JsonObject *
decode_json_part (const char  *part,
                  gsize        length,
                  const char  *what,
                  GError     **error)
{
  g_autofree guchar *json = NULL;
  g_autoptr(JsonNode) node = NULL;
  gsize json_length;

  json = confab_base64url_decode (part, length, &json_length);
  if (json == NULL || !g_utf8_validate_len ((const char *) json, json_length, NULL) ||
      memchr (json, '\0', json_length) != NULL)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                   "The token's %s is not valid base64url", what);
      return NULL;
    }

  node = json_from_string ((const char *) json, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                   "The token's %s is not a JSON object", what);
      return NULL;
    }

  return json_object_ref (json_node_get_object (node));
}

/*
 * confab_jwt_decode:
 *
 * Checks that @jwt is an HS256 token signed with @secret and returns its claims. The claims'
 * meaning (issuer, expiry, scope) is for the caller to check.
 */
JsonObject *
confab_jwt_decode (const char  *jwt,
                   const char  *secret,
                   GError     **error)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *expected = NULL;
  const char *first_dot;
  const char *second_dot;
  const char *alg;

  first_dot = strchr (jwt, '.');
  second_dot = first_dot ? strchr (first_dot + 1, '.') : NULL;
  if (second_dot == NULL || strchr (second_dot + 1, '.') != NULL)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                           "The token is not a JSON Web Token");
      return NULL;
    }

  header = decode_json_part (jwt, first_dot - jwt, "header", error);
  if (header == NULL)
    return NULL;

  alg = json_object_get_string_member_with_default (header, "alg", NULL);
  if (alg == NULL || strcmp (alg, "HS256") != 0)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                   "The token is signed with “%s”; only HS256 is accepted",
                   alg ? alg : "nothing");
      return NULL;
    }

  expected = sign (secret, jwt, second_dot - jwt);
  if (!confab_equal_in_constant_time (expected, second_dot + 1))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                           "The token's signature does not match this server's secret");
      return NULL;
    }

  claims = decode_json_part (first_dot + 1, second_dot - first_dot - 1, "claims", error);
  return g_steal_pointer (&claims);
}

gboolean
confab_jwt_get_time_claim (JsonObject  *claims,
                           const char  *name,
                           gint64      *value)
{
  JsonNode *node = json_object_get_member (claims, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      *value = json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:
      *value = (gint64) json_node_get_double (node);
      return TRUE;
    default:
      return FALSE;
    }
}

/*
 * confab_jwt_check_time:
 *
 * Requires an "exp" claim in the future and, where "iat" is given, one not far ahead of
 * @now (a little clock skew is forgiven).
 */
gboolean
confab_jwt_check_time (JsonObject  *claims,
                       gint64       now,
                       GError     **error)
{
  const gint64 skew = 300;
  gint64 exp;
  gint64 iat;

  if (!confab_jwt_get_time_claim (claims, "exp", &exp))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                           "The token has no expiry time (“exp”)");
      return FALSE;
    }

  if (exp <= now)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                           "The token has expired");
      return FALSE;
    }

  if (confab_jwt_get_time_claim (claims, "iat", &iat) && iat > now + skew)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                           "The token was issued in the future; check the clocks");
      return FALSE;
    }

  return TRUE;
}

/*
 * confab_jwt_decode_for_project:
 * @what: what the JWT is, for the error sentences: "token", "invite"…
 *
 * Decodes a JWT that one of the project's own parties must have issued: of a sane length,
 * HS256 with the API secret, not expired, and with the API key as issuer. Everything else
 * about it is the caller's to check. Fails with CONFAB_ERROR_UNAUTHORIZED.
 */
JsonObject *
confab_jwt_decode_for_project (const char  *jwt,
                               const char  *api_key,
                               const char  *api_secret,
                               gint64       now,
                               const char  *what,
                               GError     **error)
{
  g_autoptr(JsonObject) claims = NULL;
  const char *issuer;

  if (jwt == NULL || *jwt == '\0')
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED, "No %s was given", what);
      return NULL;
    }

  if (strlen (jwt) > CONFAB_TOKEN_MAX_LENGTH)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED, "The %s is too long", what);
      return NULL;
    }

  claims = confab_jwt_decode (jwt, api_secret, error);
  if (claims == NULL || !confab_jwt_check_time (claims, now, error))
    return NULL;

  issuer = json_object_get_string_member_with_default (claims, "iss", NULL);
  if (issuer == NULL || strcmp (issuer, api_key) != 0)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                   "The %s was issued for another API key", what);
      return NULL;
    }

  return g_steal_pointer (&claims);
}
