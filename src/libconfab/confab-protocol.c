/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-protocol"

#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-protocol-private.h"

static const struct {
  const char *name;
  ConfabOp    op;
} op_names[] = {
  { "connect", CONFAB_OP_CONNECT },
  { "signal", CONFAB_OP_SIGNAL },
  { "ack", CONFAB_OP_ACK },
  { "force-disconnect", CONFAB_OP_FORCE_DISCONNECT },
  { "ping", CONFAB_OP_PING },
  { "leave", CONFAB_OP_LEAVE },
  { "connected", CONFAB_OP_CONNECTED },
  { "connection-created", CONFAB_OP_CONNECTION_CREATED },
  { "connection-destroyed", CONFAB_OP_CONNECTION_DESTROYED },
  { "accepted", CONFAB_OP_ACCEPTED },
  { "error", CONFAB_OP_ERROR },
  { "pong", CONFAB_OP_PONG },
  { "closing", CONFAB_OP_CLOSING },
};

void
confab_connection_info_clear (ConfabConnectionInfo *info)
{
  g_clear_pointer (&info->id, g_free);
  g_clear_pointer (&info->data, g_free);
  info->creation_time = 0;
}

void
confab_frame_clear (ConfabFrame *frame)
{
  g_clear_pointer (&frame->root, json_node_unref);
  frame->object = NULL;
  frame->op = CONFAB_OP_UNKNOWN;
}

static gboolean
invalid_field (GError     **error,
               const char  *field,
               const char  *expected)
{
  g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
               "The frame's “%s” field must be %s", field, expected);
  return FALSE;
}

/*
 * confab_frame_parse:
 *
 * Parses one text frame. Fails on anything that is not a JSON object with a string "op";
 * an op this version does not know parses as CONFAB_OP_UNKNOWN so the caller can answer it.
 */
gboolean
confab_frame_parse (ConfabFrame  *frame,
                    const char   *text,
                    gsize         length,
                    GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  const char *op;
  JsonNode *root;

  frame->op = CONFAB_OP_UNKNOWN;
  frame->root = NULL;
  frame->object = NULL;

  if (!g_utf8_validate_len (text, length, NULL))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_PROTOCOL,
                           "The frame is not valid UTF-8");
      return FALSE;
    }

  if (!json_parser_load_from_data (parser, text, length, &local_error))
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_PROTOCOL,
                   "The frame is not valid JSON: %s", local_error->message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_PROTOCOL,
                           "A frame must be a JSON object");
      return FALSE;
    }

  frame->root = json_node_ref (root);
  frame->object = json_node_get_object (root);

  if (!confab_frame_get_string (frame, "op", TRUE, &op, error))
    {
      confab_frame_clear (frame);
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (op_names); i++)
    {
      if (strcmp (op_names[i].name, op) == 0)
        {
          frame->op = op_names[i].op;
          break;
        }
    }

  return TRUE;
}

gboolean
confab_frame_has (const ConfabFrame *frame,
                  const char        *field)
{
  return json_object_has_member (frame->object, field);
}

gboolean
confab_frame_get_string (const ConfabFrame  *frame,
                         const char         *field,
                         gboolean            required,
                         const char        **value,
                         GError            **error)
{
  JsonNode *node = json_object_get_member (frame->object, field);

  *value = NULL;

  if (node == NULL)
    return required ? invalid_field (error, field, "present") : TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid_field (error, field, "a string");

  *value = json_node_get_string (node);
  return TRUE;
}

gboolean
confab_frame_get_nullable_string (const ConfabFrame  *frame,
                                  const char         *field,
                                  const char        **value,
                                  GError            **error)
{
  JsonNode *node = json_object_get_member (frame->object, field);

  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    {
      *value = NULL;
      return TRUE;
    }

  return confab_frame_get_string (frame, field, FALSE, value, error);
}

gboolean
confab_frame_get_uint64 (const ConfabFrame  *frame,
                         const char         *field,
                         gboolean            required,
                         guint64            *value,
                         GError            **error)
{
  JsonNode *node = json_object_get_member (frame->object, field);
  gint64 number;

  *value = 0;

  if (node == NULL)
    return required ? invalid_field (error, field, "present") : TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return invalid_field (error, field, "a whole number");

  number = json_node_get_int (node);
  if (number < 0)
    return invalid_field (error, field, "zero or more");

  *value = (guint64) number;
  return TRUE;
}

gboolean
confab_frame_get_boolean (const ConfabFrame  *frame,
                          const char         *field,
                          gboolean           *value,
                          GError            **error)
{
  JsonNode *node = json_object_get_member (frame->object, field);

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return invalid_field (error, field, "true or false");

  *value = json_node_get_boolean (node);
  return TRUE;
}

JsonObject *
confab_frame_get_object (const ConfabFrame  *frame,
                         const char         *field,
                         GError            **error)
{
  JsonNode *node = json_object_get_member (frame->object, field);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      invalid_field (error, field, "an object");
      return NULL;
    }

  return json_node_get_object (node);
}

JsonArray *
confab_frame_get_array (const ConfabFrame  *frame,
                        const char         *field,
                        GError            **error)
{
  JsonNode *node = json_object_get_member (frame->object, field);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      invalid_field (error, field, "an array");
      return NULL;
    }

  return json_node_get_array (node);
}

gboolean
confab_connection_info_from_json (JsonObject            *object,
                                  ConfabConnectionInfo  *info,
                                  GError               **error)
{
  ConfabFrame view = { CONFAB_OP_UNKNOWN, NULL, object };
  const char *id;
  const char *data;
  guint64 creation_time;

  if (!confab_frame_get_string (&view, "id", TRUE, &id, error) ||
      !confab_frame_get_string (&view, "data", FALSE, &data, error) ||
      !confab_frame_get_uint64 (&view, "creation_time", FALSE, &creation_time, error))
    return FALSE;

  info->id = g_strdup (id);
  info->data = g_strdup (data ? data : "");
  info->creation_time = (gint64) creation_time;
  return TRUE;
}

void
confab_json_append_string (GString    *out,
                           const char *value,
                           gssize      length)
{
  static const char hex[] = "0123456789abcdef";
  const char *p;
  const char *end;
  const char *run;

  if (value == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  if (length < 0)
    length = strlen (value);

  g_string_append_c (out, '"');

  /* Copy runs of characters that need no escape in one go. */
  run = value;
  end = value + length;
  for (p = value; p < end; p++)
    {
      guchar c = (guchar) *p;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;

      g_string_append_len (out, run, p - run);
      run = p + 1;

      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          g_string_append (out, "\\u00");
          g_string_append_c (out, hex[c >> 4]);
          g_string_append_c (out, hex[c & 0xf]);
          break;
        }
    }
  g_string_append_len (out, run, p - run);

  g_string_append_c (out, '"');
}

static GString *
frame_begin (const char *op)
{
  GString *out = g_string_sized_new (128);

  g_string_append (out, "{\"op\":\"");
  g_string_append (out, op);
  g_string_append_c (out, '"');
  return out;
}

static void
append_string_field (GString    *out,
                     const char *field,
                     const char *value)
{
  g_string_append_printf (out, ",\"%s\":", field);
  confab_json_append_string (out, value, -1);
}

static void
append_uint_field (GString    *out,
                   const char *field,
                   guint64     value)
{
  g_string_append_printf (out, ",\"%s\":%" G_GUINT64_FORMAT, field, value);
}

static GBytes *
frame_end (GString *out)
{
  g_string_append_c (out, '}');
  return g_string_free_to_bytes (out);
}

static void
append_connection (GString                    *out,
                   const ConfabConnectionInfo *info)
{
  g_string_append (out, "{\"id\":");
  confab_json_append_string (out, info->id, -1);
  g_string_append (out, ",\"data\":");
  confab_json_append_string (out, info->data ? info->data : "", -1);
  g_string_append_printf (out, ",\"creation_time\":%" G_GINT64_FORMAT "}", info->creation_time);
}

GBytes *
confab_frame_encode_connect (const char *token,
                             const char *session_id,
                             const char *resume_connection_id,
                             const char *resume_key,
                             guint64     received)
{
  GString *out = frame_begin ("connect");

  append_string_field (out, "token", token);
  if (session_id != NULL)
    append_string_field (out, "session_id", session_id);
  if (resume_connection_id != NULL)
    {
      g_string_append (out, ",\"resume\":{\"connection_id\":");
      confab_json_append_string (out, resume_connection_id, -1);
      g_string_append (out, ",\"key\":");
      confab_json_append_string (out, resume_key, -1);
      g_string_append_printf (out, ",\"received\":%" G_GUINT64_FORMAT "}", received);
    }

  return frame_end (out);
}

GBytes *
confab_frame_encode_signal_request (guint64     id,
                                    const char *type,
                                    const char *data,
                                    const char *to)
{
  GString *out = frame_begin ("signal");

  append_uint_field (out, "id", id);
  append_string_field (out, "type", type ? type : "");
  append_string_field (out, "data", data ? data : "");
  if (to != NULL)
    append_string_field (out, "to", to);

  return frame_end (out);
}

GBytes *
confab_frame_encode_ack (guint64 received)
{
  GString *out = frame_begin ("ack");

  append_uint_field (out, "received", received);
  return frame_end (out);
}

GBytes *
confab_frame_encode_force_disconnect (guint64     id,
                                      const char *connection_id)
{
  GString *out = frame_begin ("force-disconnect");

  append_uint_field (out, "id", id);
  append_string_field (out, "connection_id", connection_id);
  return frame_end (out);
}

GBytes *
confab_frame_encode_simple (const char *op)
{
  return frame_end (frame_begin (op));
}

GBytes *
confab_frame_encode_connected (const char                 *session_id,
                               const ConfabConnectionInfo *self,
                               const ConfabConnectionInfo *others,
                               guint                       n_others,
                               gboolean                    resumed,
                               const char                 *resume_key,
                               guint64                     seq,
                               guint64                     accepted,
                               guint64                     previous_accepted)
{
  GString *out = frame_begin ("connected");

  append_string_field (out, "session_id", session_id);
  g_string_append (out, ",\"connection\":");
  append_connection (out, self);
  g_string_append (out, ",\"connections\":[");
  for (guint i = 0; i < n_others; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_connection (out, &others[i]);
    }
  g_string_append_printf (out, "],\"resumed\":%s", resumed ? "true" : "false");
  append_string_field (out, "resume_key", resume_key);
  append_uint_field (out, "seq", seq);
  append_uint_field (out, "accepted", accepted);
  if (previous_accepted > 0)
    append_uint_field (out, "previous_accepted", previous_accepted);

  return frame_end (out);
}

/* @to is the recipient of a signal sent to one connection, NULL for a broadcast. */
GBytes *
confab_frame_encode_signal (guint64     seq,
                            const char *type,
                            const char *data,
                            const char *from,
                            const char *to)
{
  GString *out = frame_begin ("signal");

  append_uint_field (out, "seq", seq);
  append_string_field (out, "type", type ? type : "");
  append_string_field (out, "data", data ? data : "");
  append_string_field (out, "from", from);
  if (to != NULL)
    append_string_field (out, "to", to);
  return frame_end (out);
}

GBytes *
confab_frame_encode_connection_created (guint64                     seq,
                                        const ConfabConnectionInfo *info)
{
  GString *out = frame_begin ("connection-created");

  append_uint_field (out, "seq", seq);
  g_string_append (out, ",\"connection\":");
  append_connection (out, info);
  return frame_end (out);
}

GBytes *
confab_frame_encode_connection_destroyed (guint64                seq,
                                          const char            *connection_id,
                                          ConfabDisconnectReason reason)
{
  GString *out = frame_begin ("connection-destroyed");

  append_uint_field (out, "seq", seq);
  append_string_field (out, "connection_id", connection_id);
  append_string_field (out, "reason", confab_disconnect_reason_to_string (reason));
  return frame_end (out);
}

GBytes *
confab_frame_encode_accepted (guint64 id)
{
  GString *out = frame_begin ("accepted");

  append_uint_field (out, "id", id);
  return frame_end (out);
}

GBytes *
confab_frame_encode_error (guint64     id,
                           guint       code,
                           const char *message)
{
  GString *out = frame_begin ("error");

  if (id > 0)
    append_uint_field (out, "id", id);
  append_uint_field (out, "code", code);
  append_string_field (out, "message", message);
  return frame_end (out);
}

GBytes *
confab_frame_encode_closing (const char *reason,
                             guint       code)
{
  GString *out = frame_begin ("closing");

  append_string_field (out, "reason", reason);
  append_uint_field (out, "code", code);
  return frame_end (out);
}
