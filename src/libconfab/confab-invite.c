/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-invite"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "confab-error.h"
#include "confab-invite-private.h"
#include "confab-jwt-private.h"
#include "confab-random-private.h"
#include "confab-protocol-private.h"
#include "confab-token.h"

/* An invite lets a person join a session without the API secret: it is a JWT the host signs
 * with scope "session.invite", and the server trades it (POST /v1/session/SID/token) for a
 * client token carrying the display name the joiner chose. An invite link carries the server,
 * the session and the invite in one string:
 *
 *   confab://HOST:PORT/SESSION_ID?invite=JWT     (the server is ws://HOST:PORT)
 *   confabs://HOST:PORT/SESSION_ID?invite=JWT    (the server is wss://HOST:PORT)
 */

#define LINK_SCHEME "confab"
#define SECURE_LINK_SCHEME "confabs"

/* How long a redeem may take before the joiner is told the server did not answer. */
#define REDEEM_TIMEOUT 30

/**
 * confab_invite_new:
 * @api_key: the project's API key
 * @api_secret: the project's API secret
 * @session_id: the session the invite opens
 * @role: the role of the connections joined through it
 * @expire_time: until when it may be redeemed, in seconds since the epoch, or 0 for
 *   %CONFAB_TOKEN_DEFAULT_LIFETIME from now
 * @error: return location for a #GError
 *
 * Makes an invite: a JWT signed with the API secret, with the scope `session.invite`, that
 * anyone holding it can trade with the server for a client token of @role and the connection
 * data of their choice (see confab_invite_redeem_async()). It cannot be used to join directly.
 *
 * Returns: (transfer full): the invite, or %NULL with @error set
 */
char *
confab_invite_new (const char  *api_key,
                   const char  *api_secret,
                   const char  *session_id,
                   ConfabRole   role,
                   gint64       expire_time,
                   GError     **error)
{
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *key_of_session = NULL;
  g_autofree char *nonce = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_val_if_fail (api_key != NULL, NULL);
  g_return_val_if_fail (api_secret != NULL, NULL);
  g_return_val_if_fail (session_id != NULL, NULL);

  key_of_session = confab_session_id_get_api_key (session_id);
  if (g_strcmp0 (key_of_session, api_key) != 0)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                   "“%s” is not a session id of the project “%s”", session_id, api_key);
      return NULL;
    }

  if (expire_time == 0)
    expire_time = now + CONFAB_TOKEN_DEFAULT_LIFETIME;

  if (expire_time <= now)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                           "The invite's expiry time is in the past");
      return NULL;
    }

  nonce = confab_random_hex (16);
  claims = json_object_new ();
  json_object_set_string_member (claims, "iss", api_key);
  json_object_set_string_member (claims, "ist", "project");
  json_object_set_int_member (claims, "iat", now);
  json_object_set_int_member (claims, "exp", expire_time);
  json_object_set_string_member (claims, "scope", CONFAB_INVITE_SCOPE);
  json_object_set_string_member (claims, "session_id", session_id);
  json_object_set_string_member (claims, "role", confab_role_to_string (role));
  json_object_set_string_member (claims, "nonce", nonce);

  return confab_jwt_encode (claims, api_secret);
}

/*
 * confab_invite_verify:
 *
 * Checks an invite for @session_id. Fails with CONFAB_ERROR_UNAUTHORIZED when it cannot be
 * trusted (malformed, badly signed, expired, another project) and CONFAB_ERROR_FORBIDDEN when
 * it is genuine but does not open @session_id.
 */
gboolean
confab_invite_verify (const char  *invite,
                      const char  *api_key,
                      const char  *api_secret,
                      const char  *session_id,
                      gint64       now,
                      ConfabRole  *role,
                      GError     **error)
{
  g_autoptr(JsonObject) claims = NULL;
  const char *scope;
  const char *invited_session;
  const char *role_name;

  claims = confab_jwt_decode_for_project (invite, api_key, api_secret, now, "invite", error);
  if (claims == NULL)
    return FALSE;

  scope = json_object_get_string_member_with_default (claims, "scope", NULL);
  if (scope == NULL || strcmp (scope, CONFAB_INVITE_SCOPE) != 0)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_FORBIDDEN,
                   "This is not an invite: its scope is “%s”, not “%s”",
                   scope ? scope : "", CONFAB_INVITE_SCOPE);
      return FALSE;
    }

  invited_session = json_object_get_string_member_with_default (claims, "session_id", NULL);
  if (invited_session == NULL || strcmp (invited_session, session_id) != 0)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_FORBIDDEN,
                           "The invite is for another session");
      return FALSE;
    }

  role_name = json_object_get_string_member_with_default (claims, "role", "publisher");
  if (!confab_role_from_string (role_name, role))
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED,
                   "The invite's role “%s” is not one of subscriber, publisher, "
                   "publisheronly or moderator", role_name);
      return FALSE;
    }

  return TRUE;
}

/**
 * confab_invite_link_new:
 * @server_url: the server, as `ws://HOST:PORT` or `wss://HOST:PORT`
 * @session_id: the session
 * @invite: an invite from confab_invite_new()
 *
 * Puts the server, the session and the invite in one string a person can paste:
 * `confab://HOST:PORT/SESSION_ID?invite=INVITE` (`confabs://` for a `wss://` server). Only
 * the host and port of @server_url are kept.
 *
 * Returns: (transfer full) (nullable): the link, or %NULL if @server_url is not a `ws://` or
 *   `wss://` URL
 */
char *
confab_invite_link_new (const char *server_url,
                        const char *session_id,
                        const char *invite)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *escaped_session = NULL;
  g_autofree char *escaped_invite = NULL;
  g_autofree char *path = NULL;
  g_autofree char *query = NULL;
  const char *scheme;

  g_return_val_if_fail (server_url != NULL, NULL);
  g_return_val_if_fail (session_id != NULL && *session_id != '\0', NULL);
  g_return_val_if_fail (invite != NULL && *invite != '\0', NULL);

  uri = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return NULL;

  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "ws") == 0)
    scheme = LINK_SCHEME;
  else if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "wss") == 0)
    scheme = SECURE_LINK_SCHEME;
  else
    return NULL;

  escaped_session = g_uri_escape_string (session_id, NULL, FALSE);
  escaped_invite = g_uri_escape_string (invite, NULL, FALSE);
  path = g_strconcat ("/", escaped_session, NULL);
  query = g_strconcat ("invite=", escaped_invite, NULL);

  return g_uri_join (G_URI_FLAGS_ENCODED, scheme, NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), path, query, NULL);
}

static gboolean
fail_link (GError     **error,
           const char  *reason)
{
  g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
               "This is not a Confab invite link: %s", reason);
  return FALSE;
}

/**
 * confab_invite_link_parse:
 * @link: an invite link, as confab_invite_link_new() makes them; spaces around it are
 *   ignored
 * @server_url: (out) (optional): the server, as `ws://HOST:PORT` or `wss://HOST:PORT`
 * @session_id: (out) (optional): the session
 * @invite: (out) (optional): the invite
 * @error: return location for a #GError
 *
 * Takes an invite link apart.
 *
 * Returns: %TRUE if @link is an invite link; %FALSE with a %CONFAB_ERROR_INVALID_PARAMETER
 *   error that says what is wrong with it otherwise
 */
gboolean
confab_invite_link_parse (const char  *link,
                          char       **server_url,
                          char       **session_id,
                          char       **invite,
                          GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autofree char *session = NULL;
  const char *scheme;
  const char *path;
  const char *query;
  const char *invite_text;

  g_return_val_if_fail (link != NULL, FALSE);

  text = g_strstrip (g_strdup (link));
  if (*text == '\0')
    return fail_link (error, "it is empty");

  uri = g_uri_parse (text, G_URI_FLAGS_ENCODED_QUERY, NULL);
  if (uri == NULL)
    return fail_link (error, "it is not a URL");

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, LINK_SCHEME) != 0 &&
      g_ascii_strcasecmp (scheme, SECURE_LINK_SCHEME) != 0)
    return fail_link (error, "it does not start with “confab://”");

  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return fail_link (error, "it names no server");

  path = g_uri_get_path (uri);
  if (path[0] != '/' || path[1] == '\0' || strchr (path + 1, '/') != NULL)
    return fail_link (error, "its path is not one session id");
  session = g_strdup (path + 1);

  query = g_uri_get_query (uri);
  if (query != NULL)
    params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  invite_text = params ? g_hash_table_lookup (params, "invite") : NULL;
  if (invite_text == NULL || *invite_text == '\0')
    return fail_link (error, "it carries no invite");

  /* A JWT has three parts; fewer means the link was cut when it was copied. */
  if (strchr (invite_text, '.') == NULL || strchr (strchr (invite_text, '.') + 1, '.') == NULL)
    return fail_link (error, "its invite is incomplete; was the link cut short?");

  if (server_url != NULL)
    *server_url = g_uri_join (G_URI_FLAGS_NONE,
                              g_ascii_strcasecmp (scheme, LINK_SCHEME) == 0 ? "ws" : "wss",
                              NULL, g_uri_get_host (uri), g_uri_get_port (uri), "", NULL, NULL);
  if (session_id != NULL)
    *session_id = g_steal_pointer (&session);
  if (invite != NULL)
    *invite = g_strdup (invite_text);

  return TRUE;
}

typedef struct {
  SoupSession *soup;
  SoupMessage *message;
  char        *server_url;
  char        *session_id;
  char        *token;
} Redeem;

static void
redeem_free (Redeem *redeem)
{
  g_clear_object (&redeem->message);
  g_clear_object (&redeem->soup);
  g_free (redeem->server_url);
  g_free (redeem->session_id);
  g_free (redeem->token);
  g_free (redeem);
}

static ConfabError
error_for_status (guint status)
{
  switch (status)
    {
    case SOUP_STATUS_BAD_REQUEST:
    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
      return CONFAB_ERROR_INVALID_PARAMETER;
    case SOUP_STATUS_UNAUTHORIZED:
      return CONFAB_ERROR_UNAUTHORIZED;
    case SOUP_STATUS_FORBIDDEN:
      return CONFAB_ERROR_FORBIDDEN;
    case SOUP_STATUS_NOT_FOUND:
      return CONFAB_ERROR_SESSION_NOT_FOUND;
    case 429:
      return CONFAB_ERROR_RATE_LIMITED;
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
      return CONFAB_ERROR_SERVER_FULL;
    default:
      return CONFAB_ERROR_PROTOCOL;
    }
}

static JsonObject *
parse_answer (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *data;
  gsize length;
  JsonNode *root;

  data = g_bytes_get_data (bytes, &length);
  if (length == 0 || !json_parser_load_from_data (parser, data, length, NULL))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return json_object_ref (json_node_get_object (root));
}

static void
on_redeem_answer (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Redeem *redeem = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) answer = NULL;
  const char *token;
  const char *message;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_CONNECTION_FAILED,
                                 "Could not reach the server at %s: %s",
                                 redeem->server_url, error->message);
      return;
    }

  status = soup_message_get_status (redeem->message);
  answer = parse_answer (bytes);

  if (status != SOUP_STATUS_OK)
    {
      message = answer ? json_object_get_string_member_with_default (answer, "message", NULL)
                       : NULL;
      if (message != NULL)
        g_task_return_new_error (task, CONFAB_ERROR, error_for_status (status), "%s", message);
      else
        g_task_return_new_error (task, CONFAB_ERROR, error_for_status (status),
                                 "The server at %s refused the invite (HTTP %u %s)",
                                 redeem->server_url, status,
                                 soup_message_get_reason_phrase (redeem->message));
      return;
    }

  token = answer ? json_object_get_string_member_with_default (answer, "token", NULL) : NULL;
  if (token == NULL || *token == '\0')
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_PROTOCOL,
                               "The server at %s answered the invite without a token",
                               redeem->server_url);
      return;
    }

  redeem->token = g_strdup (token);
  g_task_return_boolean (task, TRUE);
}

/**
 * confab_invite_redeem_async:
 * @link: an invite link
 * @connection_data: (nullable): the data others will see with the new connection, such as a
 *   display name; at most %CONFAB_CONNECTION_DATA_MAX_LENGTH characters
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the server has answered
 * @user_data: (closure callback): data for @callback
 *
 * Asks the server named in @link for a client token for the link's session, with
 * @connection_data. Finish with confab_invite_redeem_finish(), then join with
 * confab_session_new() and confab_session_connect_async().
 */
void
confab_invite_redeem_async (const char          *link,
                            const char          *connection_data,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) server = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *invite = NULL;
  g_autofree char *escaped_session = NULL;
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;
  g_autofree char *authorization = NULL;
  char *json;
  Redeem *redeem;

  g_return_if_fail (link != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_invite_redeem_async);

  redeem = g_new0 (Redeem, 1);
  g_task_set_task_data (task, redeem, (GDestroyNotify) redeem_free);

  if (!confab_invite_link_parse (link, &redeem->server_url, &redeem->session_id, &invite,
                                 &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  server = g_uri_parse (redeem->server_url, G_URI_FLAGS_NONE, NULL);
  escaped_session = g_uri_escape_string (redeem->session_id, NULL, FALSE);
  path = g_strconcat (CONFAB_INVITE_PATH_PREFIX "/", escaped_session, "/token", NULL);
  url = g_uri_join (G_URI_FLAGS_ENCODED,
                    strcmp (g_uri_get_scheme (server), "wss") == 0 ? "https" : "http",
                    NULL, g_uri_get_host (server), g_uri_get_port (server), path, NULL, NULL);

  redeem->message = soup_message_new (SOUP_METHOD_POST, url);
  if (redeem->message == NULL)
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                               "This is not a Confab invite link: “%s” is not a server address",
                               redeem->server_url);
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  if (connection_data != NULL)
    {
      json_builder_set_member_name (builder, "connection_data");
      json_builder_add_string_value (builder, connection_data);
    }
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  json = json_to_string (node, FALSE);
  body = g_bytes_new_take (json, strlen (json));

  authorization = g_strconcat ("Bearer ", invite, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (redeem->message),
                                "Authorization", authorization);
  soup_message_set_request_body_from_bytes (redeem->message, "application/json", body);

  redeem->soup = soup_session_new_with_options ("timeout", REDEEM_TIMEOUT, NULL);
  soup_session_send_and_read_async (redeem->soup, redeem->message, G_PRIORITY_DEFAULT,
                                    cancellable, on_redeem_answer, g_object_ref (task));
}

/**
 * confab_invite_redeem_finish:
 * @result: the #GAsyncResult given to the callback
 * @server_url: (out) (optional): the server to connect to, as `ws://HOST:PORT`
 * @session_id: (out) (optional): the session to join
 * @token: (out) (optional): the client token to join with
 * @error: return location for a #GError
 *
 * Finishes confab_invite_redeem_async(). Errors are in the %CONFAB_ERROR domain and carry the
 * server's own sentence: %CONFAB_ERROR_UNAUTHORIZED for an invite that is not valid or has
 * expired, %CONFAB_ERROR_FORBIDDEN for one that is not for this session,
 * %CONFAB_ERROR_INVALID_PARAMETER for a bad link or connection data, and
 * %CONFAB_ERROR_CONNECTION_FAILED when the server could not be reached.
 *
 * Returns: %TRUE if the server gave a token
 */
gboolean
confab_invite_redeem_finish (GAsyncResult  *result,
                             char         **server_url,
                             char         **session_id,
                             char         **token,
                             GError       **error)
{
  Redeem *redeem;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == confab_invite_redeem_async,
                        FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  redeem = g_task_get_task_data (G_TASK (result));
  if (server_url != NULL)
    *server_url = g_strdup (redeem->server_url);
  if (session_id != NULL)
    *session_id = g_strdup (redeem->session_id);
  if (token != NULL)
    *token = g_strdup (redeem->token);

  return TRUE;
}
