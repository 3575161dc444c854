/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "confab-enums.h"
#include "confab-signal.h"

G_BEGIN_DECLS

#define CONFAB_PROTOCOL_NAME "confab.v1"
#define CONFAB_PROTOCOL_PATH "/v1/ws"

/* Connection ids are UUIDs; anything longer cannot name a connection. */
#define CONFAB_CONNECTION_ID_MAX_LENGTH 64
#define CONFAB_TOKEN_MAX_LENGTH 12288

/* The largest frame a valid client can send: a signal whose every character a client chose to
 * escape as \uXXXX (six bytes for one), plus room for the field names and numbers. libsoup's
 * max-incoming-payload-size is set to this and no more. A connect frame with a maximal token
 * fits under it too. */
#define CONFAB_PROTOCOL_MAX_FRAME_SIZE \
  (6 * (CONFAB_SIGNAL_DATA_MAX_LENGTH + CONFAB_SIGNAL_TYPE_MAX_LENGTH + \
        CONFAB_CONNECTION_ID_MAX_LENGTH) + 512)

G_STATIC_ASSERT (CONFAB_TOKEN_MAX_LENGTH + 512 <= CONFAB_PROTOCOL_MAX_FRAME_SIZE);

typedef enum {
  CONFAB_OP_UNKNOWN,
  /* client to server */
  CONFAB_OP_CONNECT,
  CONFAB_OP_SIGNAL,
  CONFAB_OP_ACK,
  CONFAB_OP_FORCE_DISCONNECT,
  CONFAB_OP_PING,
  CONFAB_OP_LEAVE,
  /* server to client */
  CONFAB_OP_CONNECTED,
  CONFAB_OP_CONNECTION_CREATED,
  CONFAB_OP_CONNECTION_DESTROYED,
  CONFAB_OP_ACCEPTED,
  CONFAB_OP_ERROR,
  CONFAB_OP_PONG,
  CONFAB_OP_CLOSING,
} ConfabOp;

/* A connection as the wire describes it. */
typedef struct {
  char   *id;
  char   *data;
  gint64  creation_time; /* milliseconds since the epoch, as OpenTok gives it */
} ConfabConnectionInfo;

void confab_connection_info_clear (ConfabConnectionInfo *info);

/* A decoded frame. The getters fail with CONFAB_ERROR_INVALID_PARAMETER and a sentence naming
 * the field when it is missing (and required) or of the wrong type. */
typedef struct {
  ConfabOp    op;
  JsonNode   *root;
  JsonObject *object;
} ConfabFrame;

void       confab_frame_clear            (ConfabFrame          *frame);
gboolean   confab_frame_parse            (ConfabFrame          *frame,
                                          const char           *text,
                                          gsize                 length,
                                          GError              **error);
gboolean   confab_frame_has              (const ConfabFrame    *frame,
                                          const char           *field);
gboolean   confab_frame_get_string       (const ConfabFrame    *frame,
                                          const char           *field,
                                          gboolean              required,
                                          const char          **value,
                                          GError              **error);
gboolean   confab_frame_get_nullable_string (const ConfabFrame *frame,
                                          const char           *field,
                                          const char          **value,
                                          GError              **error);
gboolean   confab_frame_get_uint64       (const ConfabFrame    *frame,
                                          const char           *field,
                                          gboolean              required,
                                          guint64              *value,
                                          GError              **error);
gboolean   confab_frame_get_boolean      (const ConfabFrame    *frame,
                                          const char           *field,
                                          gboolean             *value,
                                          GError              **error);
JsonObject *confab_frame_get_object      (const ConfabFrame    *frame,
                                          const char           *field,
                                          GError              **error);
JsonArray *confab_frame_get_array        (const ConfabFrame    *frame,
                                          const char           *field,
                                          GError              **error);
gboolean   confab_connection_info_from_json (JsonObject        *object,
                                          ConfabConnectionInfo *info,
                                          GError              **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ConfabFrame, confab_frame_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ConfabConnectionInfo, confab_connection_info_clear)

/* Encoding. Every encoder returns the frame's UTF-8 text as bytes ready for the socket. */
void       confab_json_append_string     (GString              *out,
                                          const char           *value,
                                          gssize                length);

GBytes    *confab_frame_encode_connect   (const char           *token,
                                          const char           *session_id,
                                          const char           *resume_connection_id,
                                          const char           *resume_key,
                                          guint64               received);
GBytes    *confab_frame_encode_signal_request (guint64          id,
                                          const char           *type,
                                          const char           *data,
                                          const char           *to);
GBytes    *confab_frame_encode_ack       (guint64               received);
GBytes    *confab_frame_encode_force_disconnect (guint64        id,
                                          const char           *connection_id);
GBytes    *confab_frame_encode_simple    (const char           *op);

GBytes    *confab_frame_encode_connected (const char           *session_id,
                                          const ConfabConnectionInfo *self,
                                          const ConfabConnectionInfo *others,
                                          guint                 n_others,
                                          gboolean              resumed,
                                          const char           *resume_key,
                                          guint64               seq,
                                          guint64               accepted,
                                          guint64               previous_accepted);
GBytes    *confab_frame_encode_signal    (guint64               seq,
                                          const char           *type,
                                          const char           *data,
                                          const char           *from,
                                          const char           *to);
GBytes    *confab_frame_encode_connection_created (guint64      seq,
                                          const ConfabConnectionInfo *info);
GBytes    *confab_frame_encode_connection_destroyed (guint64    seq,
                                          const char           *connection_id,
                                          ConfabDisconnectReason reason);
GBytes    *confab_frame_encode_accepted  (guint64               id);
GBytes    *confab_frame_encode_error     (guint64               id,
                                          guint                 code,
                                          const char           *message);
GBytes    *confab_frame_encode_closing   (const char           *reason,
                                          guint                 code);

G_END_DECLS
