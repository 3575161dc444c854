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

#undef ADD

  return g_test_run ();
}
