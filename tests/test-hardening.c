/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "test-hardening"

#include <string.h>

#include <json-glib/json-glib.h>

#include "confab-test-util.h"
#include "confab-protocol-private.h"

/* What a plain WebSocket client can throw at the server: frames a libconfab client never
 * sends. Each case checks what the client is told and that the server keeps serving. */

typedef struct {
  ConfabServer            *server;
  char                    *session_id;
  SoupWebsocketConnection *raw;
  GQueue                   inbox;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->server = test_server_new ();
  fixture->session_id = confab_session_id_new (TEST_API_KEY);
  g_queue_init (&fixture->inbox);
  fixture->raw = test_raw_connect (fixture->server);
  test_raw_track (fixture->raw, &fixture->inbox);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (soup_websocket_connection_get_state (fixture->raw) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      soup_websocket_connection_close (fixture->raw, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      test_raw_wait_closed (fixture->raw);
    }
  g_clear_object (&fixture->raw);
  g_queue_clear_full (&fixture->inbox, g_free);
  confab_server_stop (fixture->server);
  g_assert_finalize_object (fixture->server);
  g_free (fixture->session_id);
}

static JsonObject *
next_frame (Fixture *fixture)
{
  g_autofree char *text = test_raw_next_text (fixture->raw, &fixture->inbox);
  g_autoptr(JsonNode) node = NULL;

  g_assert_nonnull (text);
  node = json_from_string (text, NULL);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static void
assert_op (JsonObject *frame,
           const char *op)
{
  g_assert_cmpstr (json_object_get_string_member (frame, "op"), ==, op);
}

/* The server ends the link with a "closing" frame saying why. */
static void
assert_closed_with (Fixture *fixture,
                    guint    code)
{
  g_autoptr(JsonObject) frame = next_frame (fixture);

  assert_op (frame, "closing");
  g_assert_cmpint (json_object_get_int_member (frame, "code"), ==, code);
  g_assert_cmpstr (json_object_get_string_member (frame, "reason"), !=, "");
  test_raw_wait_closed (fixture->raw);
  g_assert_cmpint (soup_websocket_connection_get_close_code (fixture->raw), ==, 4000 + code);
}

static void
send_text (Fixture    *fixture,
           const char *text)
{
  soup_websocket_connection_send_text (fixture->raw, text);
}

static void
connect_raw (Fixture    *fixture,
             ConfabRole  role)
{
  g_autofree char *token = test_token (fixture->session_id, role, "Raw");
  g_autofree char *frame = g_strdup_printf ("{\"op\":\"connect\",\"token\":\"%s\"}", token);
  g_autoptr(JsonObject) connected = NULL;

  send_text (fixture, frame);
  connected = next_frame (fixture);
  assert_op (connected, "connected");
}

/* A libconfab client still gets in and is served: the server survived. */
static void
assert_server_serves (Fixture *fixture)
{
  g_autoptr(ConfabSession) session =
    test_join (fixture->server, fixture->session_id, CONFAB_ROLE_PUBLISHER, "After");
  g_autoptr(GError) error = NULL;

  g_assert_true (test_send (session, "chat", "still here", NULL, &error));
  g_assert_no_error (error);
}

static void
test_first_frame_must_connect (Fixture       *fixture,
                               gconstpointer  data)
{
  send_text (fixture, "{\"op\":\"signal\",\"id\":1,\"type\":\"chat\",\"data\":\"hi\"}");
  assert_closed_with (fixture, 400);
  assert_server_serves (fixture);
}

static void
test_garbage_before_connect (Fixture       *fixture,
                             gconstpointer  data)
{
  send_text (fixture, "this is not JSON");
  assert_closed_with (fixture, 400);
  assert_server_serves (fixture);
}

static void
test_binary_frame (Fixture       *fixture,
                   gconstpointer  data)
{
  const guint8 bytes[] = { 0, 1, 2, 3 };

  soup_websocket_connection_send_binary (fixture->raw, bytes, sizeof bytes);
  assert_closed_with (fixture, 400);
}

static void
test_connect_deadline (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(SoupWebsocketConnection) silent = NULL;
  GQueue inbox = G_QUEUE_INIT;
  g_autofree char *text = NULL;

  g_object_set (fixture->server, "connect-timeout", 1, NULL);
  silent = test_raw_connect (fixture->server);
  test_raw_track (silent, &inbox);

  /* Say nothing: the server gives up on the link after the deadline. */
  text = test_raw_next_text (silent, &inbox);
  g_assert_nonnull (text);
  g_assert_nonnull (strstr (text, "\"code\":400"));
  test_raw_wait_closed (silent);
  g_queue_clear_full (&inbox, g_free);
}

static void
test_bad_connect_fields (Fixture       *fixture,
                         gconstpointer  data)
{
  send_text (fixture, "{\"op\":\"connect\",\"token\":42}");
  assert_closed_with (fixture, 400);
}

static void
test_malformed_after_connect (Fixture       *fixture,
                              gconstpointer  data)
{
  const struct {
    const char *frame;
    guint       code;
    gboolean    has_id;
  } cases[] = {
    { "not json at all", 400, FALSE },
    { "[1,2,3]", 400, FALSE },
    { "{\"no\":\"op\"}", 400, FALSE },
    { "{\"op\":17}", 400, FALSE },
    { "{\"op\":\"fly\"}", 400, FALSE },
    { "{\"op\":\"connected\"}", 400, FALSE },
    { "{\"op\":\"connect\",\"token\":\"x\"}", 400, FALSE },
    { "{\"op\":\"signal\",\"id\":\"one\",\"type\":\"chat\",\"data\":\"x\"}", 400, FALSE },
    { "{\"op\":\"signal\",\"id\":-1,\"type\":\"chat\",\"data\":\"x\"}", 400, FALSE },
    { "{\"op\":\"signal\",\"id\":1,\"type\":5,\"data\":\"x\"}", 400, TRUE },
    { "{\"op\":\"signal\",\"id\":2,\"type\":\"chat\",\"data\":[1]}", 400, TRUE },
    { "{\"op\":\"signal\",\"id\":3,\"type\":\"chat\",\"data\":\"x\",\"to\":false}", 400, TRUE },
    { "{\"op\":\"signal\",\"id\":4,\"type\":\"bad type\",\"data\":\"x\"}", 400, TRUE },
    { "{\"op\":\"signal\",\"id\":5,\"type\":\"chat\",\"data\":\"x\",\"to\":\"nobody\"}", 404, TRUE },
    { "{\"op\":\"ack\",\"received\":\"all\"}", 400, FALSE },
    { "{\"op\":\"force-disconnect\",\"id\":6,\"connection_id\":\"x\"}", 403, TRUE },
  };

  connect_raw (fixture, CONFAB_ROLE_PUBLISHER);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) answer = NULL;

      g_test_message ("Frame: %s", cases[i].frame);
      send_text (fixture, cases[i].frame);
      answer = next_frame (fixture);
      assert_op (answer, "error");
      g_assert_cmpint (json_object_get_int_member (answer, "code"), ==, cases[i].code);
      g_assert_cmpstr (json_object_get_string_member (answer, "message"), !=, "");
      g_assert_cmpint (json_object_has_member (answer, "id"), ==, cases[i].has_id);
    }

  /* The link is still good for real work. */
  send_text (fixture, "{\"op\":\"signal\",\"id\":7,\"type\":\"chat\",\"data\":\"fine\"}");
  {
    g_autoptr(JsonObject) echo = next_frame (fixture);
    g_autoptr(JsonObject) accepted = next_frame (fixture);

    assert_op (echo, "signal");
    g_assert_cmpstr (json_object_get_string_member (echo, "data"), ==, "fine");
    assert_op (accepted, "accepted");
    g_assert_cmpint (json_object_get_int_member (accepted, "id"), ==, 7);
  }
  assert_server_serves (fixture);
}

static void
test_server_side_limits (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *type_129 = g_strnfill (129, 't');
  g_autofree char *data_8193 = g_strnfill (8193, 'd');
  g_autofree char *data_8192 = g_strnfill (8192, 'd');
  const char *cases[][2] = {
    { type_129, "x" },
    { "chat", data_8193 },
  };

  connect_raw (fixture, CONFAB_ROLE_PUBLISHER);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) frame = g_string_new ("{\"op\":\"signal\",\"id\":");
      g_autoptr(JsonObject) answer = NULL;

      g_string_append_printf (frame, "%u,\"type\":", i + 1);
      confab_json_append_string (frame, cases[i][0], -1);
      g_string_append (frame, ",\"data\":");
      confab_json_append_string (frame, cases[i][1], -1);
      g_string_append_c (frame, '}');
      send_text (fixture, frame->str);

      answer = next_frame (fixture);
      assert_op (answer, "error");
      g_assert_cmpint (json_object_get_int_member (answer, "code"), ==, 413);
    }

  /* Data at the limit, with every byte escaped by the client: the largest valid frame still
   * fits under the server's frame size limit. */
  {
    g_autoptr(GString) frame = g_string_new ("{\"op\":\"signal\",\"id\":3,\"type\":\"");
    g_autoptr(JsonObject) echo = NULL;
    g_autoptr(JsonObject) accepted = NULL;

    for (guint i = 0; i < CONFAB_SIGNAL_TYPE_MAX_LENGTH; i++)
      g_string_append (frame, "\\u0061");
    g_string_append (frame, "\",\"data\":\"");
    for (guint i = 0; i < CONFAB_SIGNAL_DATA_MAX_LENGTH; i++)
      g_string_append (frame, "\\u0001");
    g_string_append (frame, "\"}");
    g_assert_cmpuint (frame->len, <=, CONFAB_PROTOCOL_MAX_FRAME_SIZE);
    send_text (fixture, frame->str);

    echo = next_frame (fixture);
    assert_op (echo, "signal");
    g_assert_cmpuint (strlen (json_object_get_string_member (echo, "data")), ==,
                      CONFAB_SIGNAL_DATA_MAX_LENGTH);
    accepted = next_frame (fixture);
    assert_op (accepted, "accepted");
  }

  /* One byte past the frame limit is refused by libsoup before it is read whole. */
  {
    g_autoptr(GString) huge = g_string_new ("{\"op\":\"signal\",\"id\":4,\"type\":\"chat\",\"data\":\"");

    g_string_append (huge, data_8192);
    while (huge->len < CONFAB_PROTOCOL_MAX_FRAME_SIZE + 1)
      g_string_append_c (huge, ' ');
    g_string_append (huge, "\"}");
    send_text (fixture, huge->str);
    test_raw_wait_closed (fixture->raw);
  }
  assert_server_serves (fixture);
}

static void
keep_result (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_wrong_subprotocol (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(SoupSession) soup = soup_session_new ();
  g_autofree char *base = confab_server_dup_url (fixture->server);
  g_autofree char *url = g_strconcat (base, "/v1/ws", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* A plain HTTP GET on the WebSocket path is not an upgrade: refused, not crashed. */
  soup_session_send_and_read_async (soup, message, G_PRIORITY_DEFAULT, NULL,
                                    keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  body = soup_session_send_and_read_finish (soup, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (soup_message_get_status (message), >=, 400);
  assert_server_serves (fixture);
}

/* WebSocket framing itself, below the JSON: bytes written straight to a TCP socket. */

typedef struct {
  GSocketConnection *connection;
  GSocket           *socket;
  GByteArray        *input;
} RawTcp;

static void
raw_tcp_clear (RawTcp *raw)
{
  g_clear_object (&raw->connection);
  g_clear_pointer (&raw->input, g_byte_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RawTcp, raw_tcp_clear)

/* Reads from the socket while running the main loop, which serves the in-process server,
 * until @want bytes are buffered or the server hangs up. */
static gboolean
raw_tcp_fill (RawTcp *raw,
              gsize   want)
{
  gint64 deadline = g_get_monotonic_time () + TEST_WAIT_SECONDS * G_USEC_PER_SEC;

  while (raw->input->len < want)
    {
      g_autoptr(GError) error = NULL;
      guint8 chunk[4096];
      gssize n;

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      if (!(g_socket_condition_check (raw->socket, G_IO_IN | G_IO_HUP) & (G_IO_IN | G_IO_HUP)))
        {
          g_usleep (1000);
          continue;
        }

      n = g_socket_receive (raw->socket, (char *) chunk, sizeof chunk, NULL, &error);
      if (n <= 0)
        return FALSE;
      g_byte_array_append (raw->input, chunk, n);
    }

  return TRUE;
}

static void
raw_tcp_upgrade (Fixture *fixture,
                 RawTcp  *raw)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  const char *request =
    "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: confab.v1\r\n\r\n";
  const char *end;

  raw->input = g_byte_array_new ();
  raw->connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                     confab_server_get_port (fixture->server),
                                                     NULL, &error);
  g_assert_no_error (error);
  raw->socket = g_socket_connection_get_socket (raw->connection);
  g_socket_send (raw->socket, request, strlen (request), NULL, &error);
  g_assert_no_error (error);

  /* The answer's headers end with an empty line; a frame may follow in the same read. */
  for (;;)
    {
      g_assert_true (raw_tcp_fill (raw, raw->input->len + 1));
      end = g_strstr_len ((const char *) raw->input->data, raw->input->len, "\r\n\r\n");
      if (end != NULL)
        break;
    }

  g_assert_true (g_str_has_prefix ((const char *) raw->input->data, "HTTP/1.1 101"));
  g_byte_array_remove_range (raw->input, 0, end + 4 - (const char *) raw->input->data);
}

static void
raw_tcp_send (RawTcp       *raw,
              guint8        first_byte,
              gboolean      masked,
              const char   *payload,
              gsize         length)
{
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  const guint8 mask[4] = { 0xa1, 0xb2, 0xc3, 0xd4 };
  guint8 mask_bit = masked ? 0x80 : 0;

  g_byte_array_append (frame, &first_byte, 1);
  if (length < 126)
    {
      guint8 b = mask_bit | length;

      g_byte_array_append (frame, &b, 1);
    }
  else
    {
      guint8 b[3] = { mask_bit | 126, length >> 8, length & 0xff };

      g_assert_cmpuint (length, <=, G_MAXUINT16);
      g_byte_array_append (frame, b, 3);
    }
  if (masked)
    g_byte_array_append (frame, mask, 4);
  for (gsize i = 0; i < length; i++)
    {
      guint8 b = payload[i] ^ (masked ? mask[i % 4] : 0);

      g_byte_array_append (frame, &b, 1);
    }

  g_socket_send (raw->socket, (const char *) frame->data, frame->len, NULL, &error);
  g_assert_no_error (error);
}

/* The next frame from the server: its opcode, and its payload as a string. */
static guint8
raw_tcp_receive (RawTcp  *raw,
                 char   **payload)
{
  gsize header = 2;
  gsize length;
  guint8 opcode;

  if (!raw_tcp_fill (raw, 2))
    return 0xff;

  opcode = raw->input->data[0] & 0x0f;
  length = raw->input->data[1] & 0x7f;
  g_assert_cmpuint (raw->input->data[1] & 0x80, ==, 0);
  if (length == 126)
    {
      g_assert_true (raw_tcp_fill (raw, 4));
      length = (raw->input->data[2] << 8) | raw->input->data[3];
      header = 4;
    }
  g_assert_cmpuint (length, !=, 127);
  g_assert_true (raw_tcp_fill (raw, header + length));

  *payload = g_strndup ((const char *) raw->input->data + header, length);
  g_byte_array_remove_range (raw->input, 0, header + length);
  return opcode;
}

static void
raw_tcp_join (Fixture *fixture,
              RawTcp  *raw)
{
  g_autofree char *token = test_token (fixture->session_id, CONFAB_ROLE_PUBLISHER, "Raw");
  g_autofree char *connect = g_strdup_printf ("{\"op\":\"connect\",\"token\":\"%s\"}", token);
  g_autofree char *answer = NULL;

  raw_tcp_upgrade (fixture, raw);
  raw_tcp_send (raw, 0x81, TRUE, connect, strlen (connect));
  g_assert_cmpuint (raw_tcp_receive (raw, &answer), ==, 0x1);
  g_assert_nonnull (strstr (answer, "\"op\":\"connected\""));
}

/* The server closes the link with a WebSocket close frame carrying @code. */
static void
assert_ws_closed (RawTcp *raw,
                  guint   code)
{
  g_autofree char *payload = NULL;
  guint8 opcode;

  while ((opcode = raw_tcp_receive (raw, &payload)) == 0x1)
    g_clear_pointer (&payload, g_free);

  g_assert_cmpuint (opcode, ==, 0x8);
  g_assert_cmpuint (((guint8) payload[0] << 8) | (guint8) payload[1], ==, code);
}

static void
test_websocket_framing (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *signal = "{\"op\":\"signal\",\"id\":1,\"type\":\"chat\",\"data\":\"in three parts\"}";
  gsize third = strlen (signal) / 3;

  /* A message split over a text frame and two continuations, with a ping between them, is
   * one message; the ping is answered with a pong carrying the same bytes. */
  {
    g_auto(RawTcp) raw = { 0 };
    g_autofree char *pong = NULL;
    g_autofree char *echo = NULL;
    g_autofree char *accepted = NULL;

    raw_tcp_join (fixture, &raw);
    raw_tcp_send (&raw, 0x01, TRUE, signal, third);
    raw_tcp_send (&raw, 0x89, TRUE, "are you there", 13);
    raw_tcp_send (&raw, 0x00, TRUE, signal + third, third);
    raw_tcp_send (&raw, 0x80, TRUE, signal + 2 * third, strlen (signal) - 2 * third);

    g_assert_cmpuint (raw_tcp_receive (&raw, &pong), ==, 0xa);
    g_assert_cmpstr (pong, ==, "are you there");
    g_assert_cmpuint (raw_tcp_receive (&raw, &echo), ==, 0x1);
    g_assert_nonnull (strstr (echo, "in three parts"));
    g_assert_cmpuint (raw_tcp_receive (&raw, &accepted), ==, 0x1);
    g_assert_cmpstr (accepted, ==, "{\"op\":\"accepted\",\"id\":1}");

    /* A close from the client is answered with a close. */
    raw_tcp_send (&raw, 0x88, TRUE, "\x03\xe8", 2);
    assert_ws_closed (&raw, 1000);
  }

  /* Frames a client must not send end the link with a protocol error (1002). */
  {
    const struct {
      const char *what;
      guint8      first_byte;
      gboolean    masked;
      const char *payload;
    } cases[] = {
      { "unmasked", 0x81, FALSE, "{\"op\":\"ping\"}" },
      { "reserved bit", 0xc1, TRUE, "{\"op\":\"ping\"}" },
      { "unknown opcode", 0x83, TRUE, "x" },
      { "continuation first", 0x80, TRUE, "x" },
      { "fragmented ping", 0x09, TRUE, "x" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_auto(RawTcp) raw = { 0 };

        g_test_message ("Frame: %s", cases[i].what);
        raw_tcp_join (fixture, &raw);
        raw_tcp_send (&raw, cases[i].first_byte, cases[i].masked, cases[i].payload,
                      strlen (cases[i].payload));
        assert_ws_closed (&raw, 1002);
      }
  }

  /* A length over the limit is refused from the header alone (1009). */
  {
    g_auto(RawTcp) raw = { 0 };
    g_autoptr(GError) error = NULL;
    const guint8 header[] = { 0x81, 0xff, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4 };

    raw_tcp_join (fixture, &raw);
    g_socket_send (raw.socket, (const char *) header, sizeof header, NULL, &error);
    g_assert_no_error (error);
    assert_ws_closed (&raw, 1009);
  }

  assert_server_serves (fixture);
}

static void
test_server_gone_while_links_close (void)
{
  ConfabServer *server = test_server_new ();
  g_autofree char *session_id = confab_session_id_new (TEST_API_KEY);
  g_autofree char *token = test_token (session_id, CONFAB_ROLE_PUBLISHER, "Lingering");
  g_autofree char *connect = g_strdup_printf ("{\"op\":\"connect\",\"token\":\"%s\"}", token);
  g_autoptr(SoupWebsocketConnection) raw = test_raw_connect (server);
  GQueue inbox = G_QUEUE_INIT;
  g_autofree char *connected = NULL;

  test_raw_track (raw, &inbox);
  soup_websocket_connection_send_text (raw, connect);
  connected = test_raw_next_text (raw, &inbox);
  g_assert_nonnull (strstr (connected, "\"op\":\"connected\""));

  /* The server goes away while its links are still closing; they finish on their own
   * afterwards, and nothing they touch may be gone. */
  confab_server_stop (server);
  g_assert_finalize_object (server);
  test_raw_wait_closed (raw);
  test_spin (2500);

  g_queue_clear_full (&inbox, g_free);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/hardening/first-frame-must-connect", test_first_frame_must_connect);
  ADD ("/hardening/garbage-before-connect", test_garbage_before_connect);
  ADD ("/hardening/binary-frame", test_binary_frame);
  ADD ("/hardening/connect-deadline", test_connect_deadline);
  ADD ("/hardening/bad-connect-fields", test_bad_connect_fields);
  ADD ("/hardening/malformed-after-connect", test_malformed_after_connect);
  ADD ("/hardening/server-side-limits", test_server_side_limits);
  ADD ("/hardening/plain-http", test_wrong_subprotocol);
  ADD ("/hardening/websocket-framing", test_websocket_framing);
  g_test_add_func ("/hardening/server-gone-while-links-close", test_server_gone_while_links_close);

#undef ADD

  return g_test_run ();
}
