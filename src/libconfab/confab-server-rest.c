/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-server-rest"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "confab-connection.h"
#include "confab-error.h"
#include "confab-invite-private.h"
#include "confab-jwt-private.h"
#include "confab-protocol-private.h"
#include "confab-server-private.h"
#include "confab-server-rest-private.h"
#include "confab-signal.h"
#include "confab-token.h"

/* The OpenTok-compatible REST API on the relay's own HTTP server, and Confab's invite
 * endpoint. Every answer that is not a success carries {"code":N,"message":"…"}, so a person
 * reading a curl transcript learns what to fix. Authentication comes first, as OpenTok does
 * it: a caller without the secret learns nothing about which sessions exist. */

/* Sessions made by POST /session/create are remembered so that they can be told apart from
 * ids this server never gave out; the oldest are forgotten past this many. */
#define MAX_CREATED_SESSIONS 100000

typedef struct {
  ConfabServer *server; /* owns the SoupServer this state hangs on */
  char         *api_key;
  char         *api_secret;
  GHashTable   *created;       /* session id → itself, owned by created_order */
  GQueue        created_order; /* of char *, oldest first */
} ConfabServerRest;

static void
rest_free (gpointer data)
{
  ConfabServerRest *rest = data;

  g_hash_table_unref (rest->created);
  g_queue_clear_full (&rest->created_order, g_free);
  g_free (rest->api_key);
  g_free (rest->api_secret);
  g_free (rest);
}

static void
remember_session (ConfabServerRest *rest,
                  const char       *session_id)
{
  char *copy = g_strdup (session_id);

  if (rest->created_order.length >= MAX_CREATED_SESSIONS)
    {
      char *oldest = g_queue_pop_head (&rest->created_order);

      g_hash_table_remove (rest->created, oldest);
      g_free (oldest);
    }

  g_queue_push_tail (&rest->created_order, copy);
  g_hash_table_add (rest->created, copy);
}

/* Answers */

static char *
error_json (guint       status,
            const char *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, status);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  return json_to_string (node, FALSE);
}

static void
answer_json (SoupServerMessage *msg,
             guint              status,
             JsonNode          *node)
{
  char *text = json_to_string (node, FALSE);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    text, strlen (text));
}

static void
answer_error_literal (SoupServerMessage *msg,
                      guint              status,
                      const char        *message)
{
  char *body = error_json (status, message);

  g_debug ("REST %s %s: %u %s", soup_server_message_get_method (msg),
           g_uri_get_path (soup_server_message_get_uri (msg)), status, message);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    body, strlen (body));
}

static void answer_error (SoupServerMessage *msg,
                          guint              status,
                          const char        *format,
                          ...) G_GNUC_PRINTF (3, 4);

static void
answer_error (SoupServerMessage *msg,
              guint              status,
              const char        *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  answer_error_literal (msg, status, message);
}

static void
answer_gerror (SoupServerMessage *msg,
               const GError      *error)
{
  answer_error_literal (msg, confab_error_to_status (error), error->message);
}

/* libsoup 3.2 drops the framing headers of a 204 as it writes them, then takes the missing
 * length for a body that ends with the link, and closes it; a client that reuses the link
 * (Node's fetch does) then sees it hang up. A 204 has no body: say so again once the headers
 * are out, so that the link is kept. */
static void
on_no_content_written (SoupServerMessage *msg,
                       gpointer           user_data)
{
  soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                     SOUP_ENCODING_NONE);
}

static void
answer_no_content (SoupServerMessage *msg)
{
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (on_no_content_written), NULL);
}

static void
refuse_method (SoupServerMessage *msg,
               const char        *allowed)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Allow", allowed);
  answer_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                "This endpoint takes %s, not %s", allowed, soup_server_message_get_method (msg));
}

/* Request bodies */

/* A body that is too large is refused from its headers, or as soon as it outgrows the limit,
 * without reading the rest: the link is taken from libsoup, the answer written on it by hand,
 * and what the client still sends is read and dropped for a short while, so that closing does
 * not reset the link before the client has read the answer. */

#define REFUSAL_LINGER_SECONDS 5
#define REFUSAL_LINGER_BYTES (1024 * 1024)

typedef struct {
  GIOStream    *stream;
  GSocket      *socket;
  GCancellable *cancellable;
  guint         timeout_id;
  gsize         discarded;
  char         *answer;
  guint8        buffer[4096];
} Refusal;

static void
refusal_free (Refusal *refusal)
{
  g_clear_handle_id (&refusal->timeout_id, g_source_remove);
  g_io_stream_close_async (refusal->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&refusal->stream);
  g_clear_object (&refusal->socket);
  g_clear_object (&refusal->cancellable);
  g_free (refusal->answer);
  g_free (refusal);
}

static gboolean
on_refusal_timeout (gpointer user_data)
{
  Refusal *refusal = user_data;

  refusal->timeout_id = 0;
  g_cancellable_cancel (refusal->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_refusal_read (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Refusal *refusal = user_data;
  gssize n_read = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n_read <= 0 || (refusal->discarded += n_read) > REFUSAL_LINGER_BYTES)
    {
      refusal_free (refusal);
      return;
    }

  g_input_stream_read_async (G_INPUT_STREAM (source), refusal->buffer, sizeof refusal->buffer,
                             G_PRIORITY_DEFAULT, refusal->cancellable, on_refusal_read, refusal);
}

static void
on_refusal_written (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Refusal *refusal = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    {
      refusal_free (refusal);
      return;
    }

  g_socket_shutdown (refusal->socket, FALSE, TRUE, NULL);
  g_input_stream_read_async (g_io_stream_get_input_stream (refusal->stream), refusal->buffer,
                             sizeof refusal->buffer, G_PRIORITY_DEFAULT, refusal->cancellable,
                             on_refusal_read, refusal);
}

static void
refuse_too_large (SoupServerMessage *msg)
{
  g_autofree char *message = g_strdup_printf ("The request body is over %d bytes",
                                              CONFAB_REST_MAX_BODY_SIZE);
  g_autofree char *body = error_json (SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, message);
  GSocket *socket = soup_server_message_get_socket (msg);
  Refusal *refusal;

  g_debug ("REST %s %s: 413 %s", soup_server_message_get_method (msg),
           g_uri_get_path (soup_server_message_get_uri (msg)), message);

  if (socket == NULL)
    {
      /* Not a plain socket: let libsoup read the body, and drop it as it comes. */
      soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
      soup_message_body_truncate (soup_server_message_get_request_body (msg));
      answer_error_literal (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, message);
      return;
    }

  refusal = g_new0 (Refusal, 1);
  refusal->socket = g_object_ref (socket);
  refusal->stream = soup_server_message_steal_connection (msg);
  refusal->cancellable = g_cancellable_new ();
  refusal->timeout_id = g_timeout_add_seconds (REFUSAL_LINGER_SECONDS, on_refusal_timeout,
                                               refusal);
  refusal->answer = g_strdup_printf ("HTTP/1.1 413 Request Entity Too Large\r\n"
                                     "Content-Type: application/json\r\n"
                                     "Content-Length: %zu\r\n"
                                     "Connection: close\r\n\r\n%s",
                                     strlen (body), body);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (refusal->stream),
                                   refusal->answer, strlen (refusal->answer), G_PRIORITY_DEFAULT,
                                   refusal->cancellable, on_refusal_written, refusal);
}

static void
on_request_chunk (SoupServerMessage *msg,
                  GBytes            *chunk,
                  gpointer           user_data)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (soup_server_message_get_status (msg) == 0 && body->length > CONFAB_REST_MAX_BODY_SIZE)
    {
      g_signal_handlers_disconnect_by_func (msg, on_request_chunk, user_data);
      refuse_too_large (msg);
    }
}

/* Runs when the headers are in and the body is not: a body announced as too large is
 * refused at once, and one that comes in chunks is watched as it grows. */
static void
on_early_request (SoupServer        *soup,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > CONFAB_REST_MAX_BODY_SIZE)
    {
      refuse_too_large (msg);
      return;
    }

  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_request_chunk), NULL);
}

static GBytes *
dup_request_body (SoupServerMessage *msg)
{
  return soup_message_body_flatten (soup_server_message_get_request_body (msg));
}

/* Parses the body as one JSON object; answers 400 and returns NULL when it is not. */
static JsonObject *
parse_json_body (SoupServerMessage *msg)
{
  g_autoptr(GBytes) bytes = dup_request_body (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const char *data;
  gsize length;
  JsonNode *root;

  data = g_bytes_get_data (bytes, &length);
  if (length == 0)
    {
      answer_error (msg, SOUP_STATUS_BAD_REQUEST, "The request body is empty; send a JSON object");
      return NULL;
    }

  if (!g_utf8_validate_len (data, length, NULL) ||
      !json_parser_load_from_data (parser, data, length, &error))
    {
      answer_error (msg, SOUP_STATUS_BAD_REQUEST, "The request body is not valid JSON%s%s",
                    error ? ": " : "", error ? error->message : "");
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      answer_error (msg, SOUP_STATUS_BAD_REQUEST, "The request body must be a JSON object");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

/* Reads an optional string member. Answers 400 and returns FALSE when it has another type. */
static gboolean
get_string_member (SoupServerMessage  *msg,
                   JsonObject         *object,
                   const char         *name,
                   const char        **value)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = NULL;
  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      answer_error (msg, SOUP_STATUS_BAD_REQUEST, "“%s” must be a string", name);
      return FALSE;
    }

  *value = json_node_get_string (node);
  return TRUE;
}

/* Authentication */

static gboolean
verify_project_jwt (ConfabServerRest  *rest,
                    const char        *jwt,
                    gint64             now,
                    GError           **error)
{
  g_autoptr(JsonObject) claims = NULL;
  const char *issuer_type;
  gint64 issued_at;
  gint64 expires;

  if (jwt == NULL || *jwt == '\0')
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_FORBIDDEN,
                           "The request has no X-OPENTOK-AUTH header; send a JWT signed with "
                           "the API secret");
      return FALSE;
    }

  claims = confab_jwt_decode_for_project (jwt, rest->api_key, rest->api_secret, now,
                                          "X-OPENTOK-AUTH JWT", error);
  if (claims == NULL)
    return FALSE;

  issuer_type = json_object_get_string_member_with_default (claims, "ist", NULL);
  if (issuer_type == NULL || strcmp (issuer_type, "project") != 0)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_FORBIDDEN,
                           "The JWT's issuer type (“ist”) must be “project”");
      return FALSE;
    }

  if (!confab_jwt_get_time_claim (claims, "iat", &issued_at))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_FORBIDDEN,
                           "The JWT has no issue time (“iat”)");
      return FALSE;
    }

  if (confab_jwt_get_time_claim (claims, "exp", &expires) &&
      expires > now + CONFAB_REST_MAX_AUTH_LIFETIME)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_FORBIDDEN,
                   "The JWT expires more than %d s from now; REST JWTs must be short-lived",
                   CONFAB_REST_MAX_AUTH_LIFETIME);
      return FALSE;
    }

  return TRUE;
}

/* Answers 403 and returns FALSE unless the request carries a valid project JWT. */
static gboolean
check_project_auth (ConfabServerRest  *rest,
                    SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GError) error = NULL;
  const char *jwt = soup_message_headers_get_one (headers, "X-OPENTOK-AUTH");

  if (verify_project_jwt (rest, jwt, g_get_real_time () / G_USEC_PER_SEC, &error))
    return TRUE;

  answer_error_literal (msg, SOUP_STATUS_FORBIDDEN, error->message);
  return FALSE;
}

/* Sessions */

/* Answers 404 and returns FALSE unless @session_id is a session of this project that the
 * server made or that has connections. */
static gboolean
check_session_known (ConfabServerRest  *rest,
                     SoupServerMessage *msg,
                     const char        *session_id)
{
  g_autofree char *key = confab_session_id_get_api_key (session_id);

  if (g_strcmp0 (key, rest->api_key) != 0)
    {
      answer_error (msg, SOUP_STATUS_NOT_FOUND,
                    "“%s” is not a session id of this project", session_id);
      return FALSE;
    }

  if (confab_server_lookup_session (rest->server, session_id) == NULL &&
      !g_hash_table_contains (rest->created, session_id))
    {
      answer_error (msg, SOUP_STATUS_NOT_FOUND,
                    "The session “%s” was not created on this server and no one is connected "
                    "to it", session_id);
      return FALSE;
    }

  return TRUE;
}

static const char *
get_form_field (GHashTable *form,
                const char *name)
{
  return form != NULL ? g_hash_table_lookup (form, name) : NULL;
}

/* A form field that may be absent or one of two words. Answers 400 and returns FALSE
 * otherwise. */
static gboolean
check_form_choice (SoupServerMessage *msg,
                   GHashTable        *form,
                   const char        *name,
                   const char        *one,
                   const char        *other)
{
  const char *value = get_form_field (form, name);

  if (value == NULL || strcmp (value, one) == 0 || strcmp (value, other) == 0)
    return TRUE;

  answer_error (msg, SOUP_STATUS_BAD_REQUEST, "“%s” must be “%s” or “%s”, not “%s”",
                name, one, other, value);
  return FALSE;
}

static gboolean
is_ipv4_address (const char *text)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);

  return address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4;
}

/* POST /session/create, with the form fields OpenTok's SDKs send. Confab relays signals
 * only, so media and archive options are checked and then have no effect. */
static void
handle_session_create (ConfabServerRest  *rest,
                       SoupServerMessage *msg)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *session_id = NULL;
  g_autofree char *created = NULL;
  const char *value;

  if (!check_project_auth (rest, msg))
    return;

  if (strcmp (soup_server_message_get_method (msg), SOUP_METHOD_POST) != 0)
    {
      refuse_method (msg, "POST");
      return;
    }

  bytes = dup_request_body (msg);
  if (g_bytes_get_size (bytes) > 0)
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

      if (strlen (text) != g_bytes_get_size (bytes) || !g_utf8_validate (text, -1, NULL))
        {
          answer_error (msg, SOUP_STATUS_BAD_REQUEST,
                        "The request body is not a URL-encoded form");
          return;
        }
      form = soup_form_decode (text);
    }

  if (!check_form_choice (msg, form, "archiveMode", "manual", "always") ||
      !check_form_choice (msg, form, "p2p.preference", "enabled", "disabled") ||
      !check_form_choice (msg, form, "e2ee", "true", "false"))
    return;

  value = get_form_field (form, "location");
  if (value != NULL && !is_ipv4_address (value))
    {
      answer_error (msg, SOUP_STATUS_BAD_REQUEST,
                    "“location” must be an IPv4 address, not “%s”", value);
      return;
    }


  session_id = confab_session_id_new (rest->api_key);
  remember_session (rest, session_id);
  created = g_date_time_format (now, "%a %b %d %H:%M:%S UTC %Y");

  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "session_id");
  json_builder_add_string_value (builder, session_id);
  json_builder_set_member_name (builder, "project_id");
  json_builder_add_string_value (builder, rest->api_key);
  json_builder_set_member_name (builder, "partner_id");
  json_builder_add_string_value (builder, rest->api_key);
  json_builder_set_member_name (builder, "create_dt");
  json_builder_add_string_value (builder, created);
  json_builder_set_member_name (builder, "media_server_url");
  json_builder_add_string_value (builder, "");
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  node = json_builder_get_root (builder);

  answer_json (msg, SOUP_STATUS_OK, node);
}

static void
handle_signal (ConfabServerRest  *rest,
               SoupServerMessage *msg,
               const char        *session_id,
               const char        *connection_id)
{
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  const char *type;
  const char *data;

  body = parse_json_body (msg);
  if (body == NULL ||
      !get_string_member (msg, body, "type", &type) ||
      !get_string_member (msg, body, "data", &data))
    return;

  if (data == NULL)
    {
      answer_error (msg, SOUP_STATUS_BAD_REQUEST, "The body must have a “data” string");
      return;
    }

  if (!confab_signal_validate_type (type, &error) ||
      !confab_signal_validate_data (data, -1, &error))
    {
      answer_gerror (msg, error);
      return;
    }

  if (!check_session_known (rest, msg, session_id))
    return;

  if (confab_server_lookup_session (rest->server, session_id) == NULL)
    {
      answer_error (msg, SOUP_STATUS_NOT_FOUND,
                    "No client is connected to the session “%s”", session_id);
      return;
    }

  if (!confab_server_send_signal (rest->server, session_id, connection_id, type, data, &error))
    {
      answer_gerror (msg, error);
      return;
    }

  answer_no_content (msg);
}

static void
handle_force_disconnect (ConfabServerRest  *rest,
                         SoupServerMessage *msg,
                         const char        *session_id,
                         const char        *connection_id)
{
  g_autoptr(GError) error = NULL;

  if (!check_session_known (rest, msg, session_id))
    return;

  if (!confab_server_force_disconnect (rest->server, session_id, connection_id, &error))
    {
      /* An existing session without that connection is still "no such connection". */
      if (g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_SESSION_NOT_FOUND))
        answer_error (msg, SOUP_STATUS_NOT_FOUND,
                      "No connection “%s” is in the session", connection_id);
      else
        answer_gerror (msg, error);
      return;
    }

  answer_no_content (msg);
}

static void
handle_list_connections (ConfabServerRest  *rest,
                         SoupServerMessage *msg,
                         const char        *session_id)
{
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  if (!check_session_known (rest, msg, session_id))
    return;

  connections = confab_server_dup_connections (rest->server, session_id);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "projectId");
  json_builder_add_string_value (builder, rest->api_key);
  json_builder_set_member_name (builder, "sessionId");
  json_builder_add_string_value (builder, session_id);
  json_builder_set_member_name (builder, "count");
  json_builder_add_int_value (builder, connections->len);
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  for (guint i = 0; i < connections->len; i++)
    {
      ConfabConnection *connection = g_ptr_array_index (connections, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "connectionId");
      json_builder_add_string_value (builder, confab_connection_get_id (connection));
      json_builder_set_member_name (builder, "connectionData");
      json_builder_add_string_value (builder, confab_connection_get_data (connection));
      json_builder_set_member_name (builder, "createdAt");
      json_builder_add_int_value (builder, confab_connection_get_creation_time (connection));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  answer_json (msg, SOUP_STATUS_OK, node);
}

static gboolean
method_is (SoupServerMessage *msg,
           const char        *method)
{
  return strcmp (soup_server_message_get_method (msg), method) == 0;
}

/* /v2/project/{key}/session/{sid}/… */
static void
on_project_request (SoupServer        *soup,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  ConfabServerRest *rest = user_data;
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  guint n_parts = g_strv_length (parts);

  if (!check_project_auth (rest, msg))
    return;

  /* "", "v2", "project", KEY, "session", SID, … */
  if (n_parts < 7 || strcmp (parts[1], "v2") != 0 || strcmp (parts[2], "project") != 0 ||
      strcmp (parts[4], "session") != 0 || parts[5][0] == '\0')
    {
      answer_error (msg, SOUP_STATUS_NOT_FOUND, "There is no endpoint at %s", path);
      return;
    }

  if (strcmp (parts[3], rest->api_key) != 0)
    {
      answer_error (msg, SOUP_STATUS_FORBIDDEN,
                    "The project “%s” in the path is not this server's API key", parts[3]);
      return;
    }

  if (n_parts == 7 && strcmp (parts[6], "signal") == 0)
    {
      if (method_is (msg, SOUP_METHOD_POST))
        handle_signal (rest, msg, parts[5], NULL);
      else
        refuse_method (msg, "POST");
    }
  else if (n_parts == 7 && strcmp (parts[6], "connection") == 0)
    {
      if (method_is (msg, SOUP_METHOD_GET))
        handle_list_connections (rest, msg, parts[5]);
      else
        refuse_method (msg, "GET");
    }
  else if (n_parts == 8 && strcmp (parts[6], "connection") == 0 && parts[7][0] != '\0')
    {
      if (method_is (msg, SOUP_METHOD_DELETE))
        handle_force_disconnect (rest, msg, parts[5], parts[7]);
      else
        refuse_method (msg, "DELETE");
    }
  else if (n_parts == 9 && strcmp (parts[6], "connection") == 0 && parts[7][0] != '\0' &&
           strcmp (parts[8], "signal") == 0)
    {
      if (method_is (msg, SOUP_METHOD_POST))
        handle_signal (rest, msg, parts[5], parts[7]);
      else
        refuse_method (msg, "POST");
    }
  else
    {
      answer_error (msg, SOUP_STATUS_NOT_FOUND, "There is no endpoint at %s", path);
    }
}

static void
on_session_create_request (SoupServer        *soup,
                           SoupServerMessage *msg,
                           const char        *path,
                           GHashTable        *query,
                           gpointer           user_data)
{
  ConfabServerRest *rest = user_data;

  if (strcmp (path, "/session/create") != 0)
    {
      answer_error (msg, SOUP_STATUS_NOT_FOUND, "There is no endpoint at %s", path);
      return;
    }

  handle_session_create (rest, msg);
}

/* POST /v1/session/{sid}/token: an invite buys a client token with the joiner's own
 * connection data. 401 when the invite cannot be trusted at all, 403 when it is genuine but
 * does not open this session. */
static void
on_invite_request (SoupServer        *soup,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  ConfabServerRest *rest = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *token = NULL;
  const char *authorization;
  const char *connection_data;
  const char *session_id;
  ConfabRole role;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  /* "", "v1", "session", SID, "token" */
  if (g_strv_length (parts) != 5 || strcmp (parts[1], "v1") != 0 ||
      strcmp (parts[2], "session") != 0 || parts[3][0] == '\0' ||
      strcmp (parts[4], "token") != 0)
    {
      answer_error (msg, SOUP_STATUS_NOT_FOUND, "There is no endpoint at %s", path);
      return;
    }
  session_id = parts[3];

  if (!method_is (msg, SOUP_METHOD_POST))
    {
      refuse_method (msg, "POST");
      return;
    }

  authorization = soup_message_headers_get_one (headers, "Authorization");
  if (authorization == NULL || g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0 ||
      authorization[7] == '\0')
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer");
      answer_error (msg, SOUP_STATUS_UNAUTHORIZED,
                    "The request has no invite; send “Authorization: Bearer INVITE”");
      return;
    }

  if (!confab_invite_verify (authorization + 7, rest->api_key, rest->api_secret, session_id,
                             now, &role, &error))
    {
      answer_gerror (msg, error);
      return;
    }

  body = parse_json_body (msg);
  if (body == NULL || !get_string_member (msg, body, "connection_data", &connection_data))
    return;

  if (connection_data != NULL &&
      g_utf8_strlen (connection_data, -1) > CONFAB_CONNECTION_DATA_MAX_LENGTH)
    {
      answer_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                    "“connection_data” is over %d characters", CONFAB_CONNECTION_DATA_MAX_LENGTH);
      return;
    }

  token = confab_token_new (rest->api_key, rest->api_secret, session_id, role, connection_data,
                            now + CONFAB_TOKEN_DEFAULT_LIFETIME, &error);
  if (token == NULL)
    {
      answer_gerror (msg, error);
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, token);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  answer_json (msg, SOUP_STATUS_OK, node);
}

/* Anything else on the HTTP side gets a sentence too. */
static void
on_unknown_request (SoupServer        *soup,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  answer_error (msg, SOUP_STATUS_NOT_FOUND, "There is no endpoint at %s", path);
}

/*
 * confab_server_rest_install:
 *
 * Adds the REST API to the HTTP server of @server. Its state lives as long as @soup.
 */
void
confab_server_rest_install (ConfabServer *server,
                            SoupServer   *soup,
                            const char   *api_key,
                            const char   *api_secret)
{
  const char *paths[] = { "/session/create", "/v2/project", CONFAB_INVITE_PATH_PREFIX, "/" };
  const SoupServerCallback callbacks[] = {
    on_session_create_request, on_project_request, on_invite_request, on_unknown_request,
  };
  ConfabServerRest *rest = g_new0 (ConfabServerRest, 1);

  rest->server = server;
  rest->api_key = g_strdup (api_key);
  rest->api_secret = g_strdup (api_secret);
  rest->created = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&rest->created_order);
  g_object_set_data_full (G_OBJECT (soup), "confab-server-rest", rest, rest_free);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      soup_server_add_early_handler (soup, paths[i], on_early_request, rest, NULL);
      soup_server_add_handler (soup, paths[i], callbacks[i], rest, NULL);
    }
}
