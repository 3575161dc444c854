/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "test-signaling"

#include <string.h>

#include "confab-test-util.h"

/* The signaling core end to end: a real ConfabServer on 127.0.0.1 and real ConfabSession
 * clients in one main loop. To show a signal did NOT reach someone, each test sends a marker
 * broadcast afterwards: the server orders a session's events, so once the marker is in,
 * anything sent before it that was going to arrive has arrived. */

typedef TestFixture Fixture;

static ConfabSession *
join (Fixture    *fixture,
      const char *name)
{
  return test_join (fixture->server, fixture->session_id, CONFAB_ROLE_PUBLISHER, name);
}

static void
send_ok (ConfabSession *session,
         const char    *type,
         const char    *data,
         const char    *to)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (test_send (session, type, data, to, &error));
  g_assert_no_error (error);
}

static gboolean
has_event (TestRecorder *recorder,
           const char   *line)
{
  GPtrArray *events = test_recorder_get_events (recorder);

  for (guint i = 0; i < events->len; i++)
    if (g_str_equal (g_ptr_array_index (events, i), line))
      return TRUE;

  return FALSE;
}

static void
test_join_and_leave (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join (fixture, "Alice");
  g_autoptr(TestRecorder) alice_events = test_recorder_new (alice);
  g_autoptr(ConfabSession) bob = join (fixture, "Bob");
  g_autoptr(TestRecorder) bob_events = test_recorder_new (bob);
  g_autoptr(ConfabSession) carol = NULL;
  g_autofree char *bob_id = g_strdup (test_id_of (bob));
  g_autofree char *carol_id = NULL;
  g_autofree char *line = NULL;
  ConfabConnection *seen;

  test_recorder_wait_count (alice_events, "created", 1);
  line = g_strdup_printf ("created %s", bob_id);
  g_assert_true (has_event (alice_events, line));

  /* Alice sees Bob's name, and both models hold both connections, own included. */
  seen = confab_session_lookup_connection (alice, bob_id);
  g_assert_nonnull (seen);
  g_assert_cmpstr (confab_connection_get_data (seen), ==, "Bob");
  g_assert_cmpuint (g_list_model_get_n_items (confab_session_get_connections (alice)), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (confab_session_get_connections (bob)), ==, 2);
  g_assert_cmpstr (confab_session_get_session_id (bob), ==, fixture->session_id);

  /* A client that leaves is gone with clientDisconnected. */
  test_leave (bob);
  g_assert_cmpint (confab_session_get_state (bob), ==, CONFAB_SESSION_STATE_DISCONNECTED);
  test_recorder_wait_count (alice_events, "destroyed", 1);
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("destroyed %s clientDisconnected", bob_id);
  g_assert_true (has_event (alice_events, line));
  g_assert_true (has_event (bob_events, "disconnected clientDisconnected"));
  g_assert_null (confab_session_lookup_connection (alice, bob_id));
  g_assert_cmpuint (g_list_model_get_n_items (confab_session_get_connections (alice)), ==, 1);

  /* A moderator removes Carol: forceDisconnected for everyone, and Carol is told. */
  carol = join (fixture, "Carol");
  carol_id = g_strdup (test_id_of (carol));
  {
    g_autoptr(TestRecorder) carol_events = test_recorder_new (carol);
    g_autoptr(ConfabSession) moderator =
      test_join (fixture->server, fixture->session_id, CONFAB_ROLE_MODERATOR, "Mod");
    g_autoptr(GError) error = NULL;

    test_recorder_clear (alice_events);
    g_assert_true (test_force_disconnect (moderator, carol_id, &error));
    g_assert_no_error (error);
    test_recorder_wait_count (carol_events, "disconnected", 1);
    g_assert_true (has_event (carol_events, "disconnected forceDisconnected"));
    g_assert_cmpint (confab_session_get_state (carol), ==, CONFAB_SESSION_STATE_DISCONNECTED);

    g_clear_pointer (&line, g_free);
    line = g_strdup_printf ("destroyed %s forceDisconnected", carol_id);
    test_recorder_wait_count (alice_events, "destroyed", 1);
    g_assert_true (has_event (alice_events, line));
  }
}

static void
test_network_drop (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join (fixture, "Alice");
  g_autoptr(TestRecorder) alice_events = test_recorder_new (alice);
  g_autoptr(SoupWebsocketConnection) raw = NULL;
  g_autoptr(GBytes) connect = NULL;
  g_autofree char *token = test_token (fixture->session_id, CONFAB_ROLE_PUBLISHER, "Bob");
  g_autofree char *frame = NULL;
  const char *bob_id;

  /* No resume window: a link that drops without "leave" ends its connection at once. */
  g_object_set (fixture->server, "resume-window", 0, NULL);

  raw = test_raw_connect (fixture->server);
  frame = g_strdup_printf ("{\"op\":\"connect\",\"token\":\"%s\"}", token);
  soup_websocket_connection_send_text (raw, frame);
  test_recorder_wait_count (alice_events, "created", 1);
  bob_id = (const char *) g_ptr_array_index (test_recorder_get_events (alice_events), 0) +
           strlen ("created ");

  soup_websocket_connection_close (raw, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  test_recorder_wait_count (alice_events, "destroyed", 1);
  {
    g_autofree char *line = g_strdup_printf ("destroyed %s networkDisconnected", bob_id);

    g_assert_true (has_event (alice_events, line));
  }
  test_raw_wait_closed (raw);
}

static void
test_broadcast_includes_sender (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join (fixture, "Alice");
  g_autoptr(ConfabSession) bob = join (fixture, "Bob");
  g_autoptr(TestRecorder) alice_events = test_recorder_new (alice);
  g_autoptr(TestRecorder) bob_events = test_recorder_new (bob);
  g_autofree char *line = g_strdup_printf ("signal chat Hello everyone %s", test_id_of (alice));

  send_ok (alice, "chat", "Hello everyone", NULL);
  test_recorder_wait_count (alice_events, "signal", 1);
  test_recorder_wait_count (bob_events, "signal", 1);
  g_assert_true (has_event (alice_events, line));
  g_assert_true (has_event (bob_events, line));
}

static void
on_chat_only (ConfabSession    *session,
              const char       *type,
              const char       *data,
              ConfabConnection *from,
              gboolean          direct,
              guint            *count)
{
  g_assert_cmpstr (type, ==, "chat");
  (*count)++;
}

static void
test_detailed_signal (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join (fixture, "Alice");
  g_autoptr(TestRecorder) events = test_recorder_new (alice);
  guint chats = 0;

  g_signal_connect (alice, "signal::chat", G_CALLBACK (on_chat_only), &chats);
  send_ok (alice, "typing", "", NULL);
  send_ok (alice, "chat", "hi", NULL);
  send_ok (alice, "", "no type", NULL);
  test_recorder_wait_count (events, "signal", 3);
  g_assert_cmpuint (chats, ==, 1);
}

static void
test_direct_to_one (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join (fixture, "Alice");
  g_autoptr(ConfabSession) bob = join (fixture, "Bob");
  g_autoptr(ConfabSession) carol = join (fixture, "Carol");
  g_autoptr(TestRecorder) alice_events = test_recorder_new (alice);
  g_autoptr(TestRecorder) bob_events = test_recorder_new (bob);
  g_autoptr(TestRecorder) carol_events = test_recorder_new (carol);
  g_autofree char *direct = g_strdup_printf ("signal chat for Bob only %s", test_id_of (alice));

  send_ok (alice, "chat", "for Bob only", test_id_of (bob));
  send_ok (alice, "marker", "", NULL);

  test_recorder_wait_count (alice_events, "signal marker", 1);
  test_recorder_wait_count (bob_events, "signal marker", 1);
  test_recorder_wait_count (carol_events, "signal marker", 1);
  g_assert_true (has_event (bob_events, direct));
  g_assert_false (has_event (alice_events, direct));
  g_assert_false (has_event (carol_events, direct));
  g_assert_cmpuint (test_recorder_count (bob_events, "signal"), ==, 2);
  g_assert_cmpuint (test_recorder_count (carol_events, "signal"), ==, 1);

  /* Bob can tell the one meant for him alone from the broadcast. */
  g_assert_cmpuint (test_recorder_count_direct (bob_events), ==, 1);
  g_assert_cmpuint (test_recorder_count_direct (carol_events), ==, 0);
}

static void
test_server_signal (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join (fixture, "Alice");
  g_autoptr(ConfabSession) bob = join (fixture, "Bob");
  g_autoptr(TestRecorder) alice_events = test_recorder_new (alice);
  g_autoptr(TestRecorder) bob_events = test_recorder_new (bob);
  g_autoptr(GError) error = NULL;

  g_assert_true (confab_server_send_signal (fixture->server, fixture->session_id, NULL,
                                            "notice", "from the server", &error));
  g_assert_no_error (error);
  g_assert_true (confab_server_send_signal (fixture->server, fixture->session_id, test_id_of (bob),
                                            "notice", "just you", &error));
  g_assert_no_error (error);

  test_recorder_wait_count (alice_events, "signal", 1);
  test_recorder_wait_count (bob_events, "signal", 2);
  g_assert_true (has_event (alice_events, "signal notice from the server server"));
  g_assert_true (has_event (bob_events, "signal notice from the server server"));
  g_assert_true (has_event (bob_events, "signal notice just you server"));
  g_assert_cmpuint (test_recorder_count_direct (bob_events), ==, 1);
  g_assert_cmpuint (test_recorder_count_direct (alice_events), ==, 0);

  /* Bad server-side calls fail with the cause and send nothing. */
  g_assert_false (confab_server_send_signal (fixture->server, "1_nosuchsession", NULL,
                                             "notice", "x", &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_SESSION_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (confab_server_send_signal (fixture->server, fixture->session_id, "nobody",
                                             "notice", "x", &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_CONNECTION_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (confab_server_send_signal (fixture->server, fixture->session_id, NULL,
                                             "bad type", "x", &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_SIGNAL_TYPE);
}

static void
expect_refused (ConfabSession *session,
                const char    *type,
                const char    *data,
                const char    *to,
                gint           code)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (test_send (session, type, data, to, &error));
  g_assert_error (error, CONFAB_ERROR, code);
  g_assert_nonnull (error->message);
}

static void
test_limits (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join (fixture, "Alice");
  g_autoptr(ConfabSession) bob = join (fixture, "Bob");
  g_autoptr(TestRecorder) bob_events = test_recorder_new (bob);
  g_autofree char *type_128 = g_strnfill (128, 'a');
  g_autofree char *type_129 = g_strnfill (129, 'a');
  g_autofree char *data_8192 = g_strnfill (8192, 'x');
  g_autofree char *data_8193 = g_strnfill (8193, 'x');
  /* 2730 three-byte characters and two ASCII bytes: 8192 bytes, 2732 characters. */
  g_autoptr(GString) wide = g_string_new (NULL);
  const char invalid_utf8[] = { 'o', 'k', (char) 0xc3, (char) 0x28, 0 };

  for (guint i = 0; i < 2730; i++)
    g_string_append (wide, "€");
  g_string_append (wide, "!!");
  g_assert_cmpuint (wide->len, ==, 8192);

  send_ok (alice, type_128, "at the type limit", NULL);
  send_ok (alice, "chat", data_8192, NULL);
  send_ok (alice, "chat", wide->str, NULL);
  send_ok (alice, "a-Z_0~9", "every allowed character", NULL);

  expect_refused (alice, type_129, "x", NULL, CONFAB_ERROR_SIGNAL_TYPE_TOO_LONG);
  expect_refused (alice, "chat!", "x", NULL, CONFAB_ERROR_INVALID_SIGNAL_TYPE);
  expect_refused (alice, "two words", "x", NULL, CONFAB_ERROR_INVALID_SIGNAL_TYPE);
  expect_refused (alice, "chat", data_8193, NULL, CONFAB_ERROR_SIGNAL_DATA_TOO_LONG);
  expect_refused (alice, "chat", invalid_utf8, NULL, CONFAB_ERROR_INVALID_PARAMETER);
  {
    g_autoptr(GString) wide_over = g_string_new (wide->str);

    g_string_append_c (wide_over, '!');
    expect_refused (alice, "chat", wide_over->str, NULL, CONFAB_ERROR_SIGNAL_DATA_TOO_LONG);
  }

  send_ok (alice, "marker", "", NULL);
  test_recorder_wait_count (bob_events, "signal marker", 1);
  g_assert_cmpuint (test_recorder_count (bob_events, "signal"), ==, 5);
  g_assert_true (has_event (bob_events, "signal a-Z_0~9 every allowed character " ) ||
                 test_recorder_count (bob_events, "signal a-Z_0~9 every allowed character") == 1);
}

static void
test_unknown_connection (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join (fixture, "Alice");
  g_autoptr(ConfabSession) bob = join (fixture, "Bob");
  g_autoptr(TestRecorder) bob_events = test_recorder_new (bob);
  g_autofree char *bob_id = g_strdup (test_id_of (bob));

  expect_refused (alice, "chat", "anyone?", "00000000-0000-4000-8000-000000000000",
                  CONFAB_ERROR_CONNECTION_NOT_FOUND);
  expect_refused (alice, "chat", "anyone?", "", CONFAB_ERROR_CONNECTION_NOT_FOUND);

  /* A connection that has left is unknown too. */
  test_leave (bob);
  expect_refused (alice, "chat", "too late", bob_id, CONFAB_ERROR_CONNECTION_NOT_FOUND);
  g_assert_cmpuint (test_recorder_count (bob_events, "signal"), ==, 0);
}

static void
test_roles (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(ConfabSession) watcher =
    test_join (fixture->server, fixture->session_id, CONFAB_ROLE_PUBLISHER_ONLY, "Watcher");
  g_autoptr(ConfabSession) subscriber =
    test_join (fixture->server, fixture->session_id, CONFAB_ROLE_SUBSCRIBER, "Sub");
  g_autoptr(TestRecorder) subscriber_events = test_recorder_new (subscriber);
  g_autoptr(GError) error = NULL;

  expect_refused (watcher, "chat", "may I?", NULL, CONFAB_ERROR_FORBIDDEN);
  send_ok (subscriber, "chat", "subscribers may", NULL);

  /* Only a moderator may remove others. */
  g_assert_false (test_force_disconnect (subscriber, test_id_of (watcher), &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_FORBIDDEN);
  g_assert_cmpint (confab_session_get_state (watcher), ==, CONFAB_SESSION_STATE_CONNECTED);

  test_recorder_wait_count (subscriber_events, "signal", 1);
  g_assert_cmpuint (test_recorder_count (subscriber_events, "signal chat may I?"), ==, 0);
}

static void
on_counted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  guint *counts = user_data;
  g_autoptr(GError) error = NULL;

  if (confab_session_send_signal_finish (CONFAB_SESSION (source), result, &error))
    counts[0]++;
  else if (g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_RATE_LIMITED))
    counts[1]++;
  else
    g_assert_no_error (error);
}

static gboolean
all_counted (gpointer user_data)
{
  guint *counts = user_data;

  return counts[0] + counts[1] == counts[2];
}

static void
test_rate_limit (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join (fixture, "Alice");
  g_autoptr(ConfabSession) bob = join (fixture, "Bob");
  g_autoptr(TestRecorder) bob_events = test_recorder_new (bob);
  guint counts[3] = { 0, 0, 40 }; /* accepted, refused, sent */

  /* 5 a second, 10 in a burst: of 40 sent at once, most are refused and none of those is
   * relayed. */
  g_object_set (fixture->server, "max-signal-rate", 5, NULL);
  for (guint i = 0; i < counts[2]; i++)
    confab_session_send_signal_async (alice, "chat", "flood", NULL, TRUE, NULL, on_counted,
                                      counts);
  test_wait_until (all_counted, counts, "every send to be answered");

  g_assert_cmpuint (counts[0], >=, 10);
  g_assert_cmpuint (counts[1], >, 0);
  g_assert_cmpuint (counts[0] + counts[1], ==, counts[2]);

  g_object_set (fixture->server, "max-signal-rate", 0, NULL);
  send_ok (alice, "marker", "", NULL);
  test_recorder_wait_count (bob_events, "signal marker", 1);
  g_assert_cmpuint (test_recorder_count (bob_events, "signal chat flood"), ==, counts[0]);
}

static char *
sign_jwt (const char *header,
          const char *claims,
          const char *secret)
{
  g_autofree char *header_part = g_base64_encode ((const guchar *) header, strlen (header));
  g_autofree char *claims_part = g_base64_encode ((const guchar *) claims, strlen (claims));
  g_autofree char *input = NULL;
  g_autofree char *signature = NULL;
  g_autoptr(GHmac) hmac = NULL;
  guint8 digest[64];
  gsize digest_length = sizeof digest;
  GChecksumType checksum = strstr (header, "HS512") ? G_CHECKSUM_SHA512 : G_CHECKSUM_SHA256;

  g_strdelimit (header_part, "=", '\0');
  g_strdelimit (claims_part, "=", '\0');
  g_strdelimit (header_part, "+", '-');
  g_strdelimit (claims_part, "+", '-');
  g_strdelimit (header_part, "/", '_');
  g_strdelimit (claims_part, "/", '_');
  input = g_strconcat (header_part, ".", claims_part, NULL);

  if (secret == NULL)
    return g_strconcat (input, ".", NULL);

  hmac = g_hmac_new (checksum, (const guchar *) secret, strlen (secret));
  g_hmac_update (hmac, (const guchar *) input, -1);
  g_hmac_get_digest (hmac, digest, &digest_length);
  signature = g_base64_encode (digest, digest_length);
  g_strdelimit (signature, "=", '\0');
  g_strdelimit (signature, "+", '-');
  g_strdelimit (signature, "/", '_');
  return g_strconcat (input, ".", signature, NULL);
}

static char *
claims_json (const char *key,
             const char *session_id,
             gint64      exp)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  return g_strdup_printf ("{\"iss\":\"%s\",\"ist\":\"project\",\"iat\":%" G_GINT64_FORMAT
                          ",\"exp\":%" G_GINT64_FORMAT ",\"scope\":\"session.connect\","
                          "\"session_id\":\"%s\",\"role\":\"publisher\",\"nonce\":\"n\"}",
                          key, now, exp, session_id);
}

static void
test_bad_tokens (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = join (fixture, "Alice");
  g_autoptr(TestRecorder) alice_events = test_recorder_new (alice);
  gint64 later = g_get_real_time () / G_USEC_PER_SEC + 3600;
  g_autofree char *good_claims = claims_json (TEST_API_KEY, fixture->session_id, later);
  g_autofree char *expired_claims =
    claims_json (TEST_API_KEY, fixture->session_id, g_get_real_time () / G_USEC_PER_SEC - 10);
  g_autofree char *other_key_claims = claims_json ("other-key", fixture->session_id, later);
  g_autofree char *other_session = confab_session_id_new (TEST_API_KEY);
  g_autofree char *other_session_claims = claims_json (TEST_API_KEY, other_session, later);
  g_autofree char *foreign_session = confab_session_id_new ("other-key");
  g_autofree char *foreign_claims = claims_json (TEST_API_KEY, foreign_session, later);
  const char *hs256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  struct {
    const char *what;
    char       *token;
    const char *session_id;
  } cases[] = {
    { "wrong secret", sign_jwt (hs256, good_claims, "not-the-secret"), NULL },
    { "alg none", sign_jwt ("{\"alg\":\"none\",\"typ\":\"JWT\"}", good_claims, NULL), NULL },
    { "HS512", sign_jwt ("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", good_claims, TEST_API_SECRET), NULL },
    { "expired", sign_jwt (hs256, expired_claims, TEST_API_SECRET), NULL },
    { "another API key", sign_jwt (hs256, other_key_claims, TEST_API_SECRET), NULL },
    { "another session", sign_jwt (hs256, other_session_claims, TEST_API_SECRET),
      fixture->session_id },
    { "another project's session", sign_jwt (hs256, foreign_claims, TEST_API_SECRET), NULL },
    { "garbage", g_strdup ("garbage"), NULL },
    { "empty", g_strdup (""), NULL },
    { "three dots", g_strdup ("a.b.c.d"), NULL },
    { "not base64", g_strdup ("!!!.???.###"), NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ConfabSession) intruder = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *url = confab_server_dup_url (fixture->server);

      g_test_message ("Token case: %s", cases[i].what);
      intruder = confab_session_new (url, cases[i].session_id);
      g_assert_false (test_session_connect (intruder, cases[i].token, &error));
      g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED);
      g_assert_cmpint (confab_session_get_state (intruder), ==,
                       CONFAB_SESSION_STATE_DISCONNECTED);
      g_assert_null (confab_session_get_connection (intruder));
      g_free (cases[i].token);
    }

  /* The right token still works, and Alice saw no one but that one join. */
  {
    g_autoptr(ConfabSession) bob = join (fixture, "Bob");

    test_recorder_wait_count (alice_events, "created", 1);
    g_assert_cmpuint (test_recorder_count (alice_events, "created"), ==, 1);
  }
}

static void
test_unreachable_server (void)
{
  g_autoptr(ConfabSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *session_id = confab_session_id_new (TEST_API_KEY);
  g_autofree char *token = test_token (session_id, CONFAB_ROLE_PUBLISHER, "x");
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint16 port;

  /* A port that was free a moment ago: nothing listens there now. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);

  {
    g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u", port);

    session = confab_session_new (url, NULL);
  }
  g_assert_false (test_session_connect (session, token, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_CONNECTION_FAILED);

  g_clear_error (&error);
  g_clear_object (&session);
  session = confab_session_new ("not a url", NULL);
  g_assert_false (test_session_connect (session, token, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER);
}

static void
leave_once_connected (ConfabSession *session,
                      GParamSpec    *pspec,
                      gpointer       user_data)
{
  if (confab_session_get_state (session) == CONFAB_SESSION_STATE_CONNECTED)
    confab_session_disconnect (session);
}

static void
test_leave_from_a_handler (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(ConfabSession) watcher = join (fixture, "Watcher");
  g_autoptr(TestRecorder) watcher_events = test_recorder_new (watcher);
  g_autoptr(ConfabSession) hasty = test_session_new (fixture->server, fixture->session_id);
  g_autofree char *token = test_token (fixture->session_id, CONFAB_ROLE_PUBLISHER, "Hasty");
  g_autoptr(GError) error = NULL;

  /* Leaving from inside the session's own notification, while it is completing the join,
   * leaves it disconnected and quiet, and the others see a clean leave. */
  g_signal_connect (hasty, "notify::state", G_CALLBACK (leave_once_connected), NULL);
  g_assert_false (test_session_connect (hasty, token, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (confab_session_get_state (hasty), ==, CONFAB_SESSION_STATE_DISCONNECTED);
  g_assert_null (confab_session_get_connection (hasty));
  g_assert_cmpuint (g_list_model_get_n_items (confab_session_get_connections (hasty)), ==, 0);

  test_recorder_wait_count (watcher_events, "destroyed", 1);
  g_assert_cmpuint (test_recorder_count (watcher_events, "destroyed"), ==, 1);
  g_assert_true (g_str_has_suffix (g_ptr_array_index (test_recorder_get_events (watcher_events), 1),
                                   "clientDisconnected"));
}

static void
test_not_connected (void)
{
  g_autoptr(ConfabSession) session = confab_session_new ("ws://127.0.0.1:1", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (test_send (session, "chat", "hello?", NULL, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_NOT_CONNECTED);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  TEST_ADD ("/signaling/join-and-leave", test_join_and_leave);
  TEST_ADD ("/signaling/network-drop", test_network_drop);
  TEST_ADD ("/signaling/broadcast-includes-sender", test_broadcast_includes_sender);
  TEST_ADD ("/signaling/detailed-signal", test_detailed_signal);
  TEST_ADD ("/signaling/direct-to-one", test_direct_to_one);
  TEST_ADD ("/signaling/server-signal", test_server_signal);
  TEST_ADD ("/signaling/limits", test_limits);
  TEST_ADD ("/signaling/unknown-connection", test_unknown_connection);
  TEST_ADD ("/signaling/roles", test_roles);
  TEST_ADD ("/signaling/rate-limit", test_rate_limit);
  TEST_ADD ("/signaling/leave-from-a-handler", test_leave_from_a_handler);
  TEST_ADD ("/signaling/bad-tokens", test_bad_tokens);
  g_test_add_func ("/signaling/unreachable-server", test_unreachable_server);
  g_test_add_func ("/signaling/not-connected", test_not_connected);

  return g_test_run ();
}
