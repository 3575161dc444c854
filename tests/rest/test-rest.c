/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-test-rest"

#include <string.h>

#include <json-glib/json-glib.h>

#include "confab-test-util.h"
#include "confab-jwt-private.h"
#include "confab-token-legacy-private.h"
#include "confab-token-private.h"

/* The REST API, legacy tokens and invites against a real ConfabServer on 127.0.0.1, with
 * real clients in the sessions. Every refusal is checked for its status and its JSON sentence,
 * and for having delivered nothing: a client that saw a refused request must see nothing
 * until the valid marker signal that follows it. */

typedef struct {
  ConfabServer  *server;
  char          *session_id;
  ConfabSession *alice;
  TestRecorder  *alice_events;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->server = test_server_new ();
  fixture->session_id = confab_session_id_new (TEST_API_KEY);
  fixture->alice = test_join (fixture->server, fixture->session_id, CONFAB_ROLE_PUBLISHER,
                              "Alice");
  fixture->alice_events = test_recorder_new (fixture->alice);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->alice_events, test_recorder_free);
  confab_session_disconnect (fixture->alice);
  g_clear_object (&fixture->alice);
  confab_server_stop (fixture->server);
  g_clear_object (&fixture->server);
  g_clear_pointer (&fixture->session_id, g_free);
}

/* HTTP */

typedef struct {
  gboolean  done;
  GBytes   *body;
  GError   *error;
} HttpOutcome;

static void
on_http_answer (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  HttpOutcome *outcome = user_data;

  outcome->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                     &outcome->error);
  outcome->done = TRUE;
}

/* Sends one request and returns its status; @answer gets the body when asked for. @headers
 * is NULL or name, value, …, NULL. */
static guint
http_request (ConfabServer       *server,
              const char         *method,
              const char         *path,
              const char * const *headers,
              const char         *content_type,
              const char         *body,
              gssize              body_length,
              char              **answer)
{
  g_autoptr(SoupSession) soup = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s",
                                          confab_server_get_port (server), path);
  g_autoptr(SoupMessage) message = soup_message_new (method, url);
  HttpOutcome outcome = { 0 };

  g_assert_nonnull (message);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (message),
                                  headers[i], headers[i + 1]);

  if (body != NULL)
    {
      gsize length = body_length < 0 ? strlen (body) : (gsize) body_length;
      g_autoptr(GBytes) bytes = g_bytes_new (body, length);

      soup_message_set_request_body_from_bytes (message, content_type, bytes);
    }

  soup_session_send_and_read_async (soup, message, G_PRIORITY_DEFAULT, NULL,
                                    on_http_answer, &outcome);
  test_wait_for_flag (&outcome.done, "an HTTP answer");
  g_assert_no_error (outcome.error);

  if (answer != NULL)
    *answer = g_strndup (g_bytes_get_data (outcome.body, NULL), g_bytes_get_size (outcome.body));
  g_bytes_unref (outcome.body);

  return soup_message_get_status (message);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

/* Every error answer is {"code":STATUS,"message":"a sentence"}. */
static void
assert_error_body (const char *text,
                   guint       status)
{
  g_autoptr(JsonObject) object = parse_object (text);
  const char *message = json_object_get_string_member_with_default (object, "message", "");

  g_assert_cmpint (json_object_get_int_member_with_default (object, "code", 0), ==, status);
  g_assert_cmpuint (strlen (message), >, 10);
}

static char *
project_jwt_with (const char *key,
                  const char *secret,
                  const char *ist,
                  gint64      iat,
                  gint64      exp)
{
  g_autoptr(JsonObject) claims = json_object_new ();

  json_object_set_string_member (claims, "iss", key);
  if (ist != NULL)
    json_object_set_string_member (claims, "ist", ist);
  if (iat != 0)
    json_object_set_int_member (claims, "iat", iat);
  json_object_set_int_member (claims, "exp", exp);
  json_object_set_string_member (claims, "jti", "b9a3b3ad-0f9a-4c1b-a1a4-6a0f58ab8b1e");
  return confab_jwt_encode (claims, secret);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* What OpenTok's Node SDK sends: iss, ist, iat, exp five minutes ahead. */
static char *
project_jwt (void)
{
  return project_jwt_with (TEST_API_KEY, TEST_API_SECRET, "project", now_seconds (),
                           now_seconds () + 300);
}

/* A JWT whose header names another algorithm, signed (or not) accordingly. */
static char *
jwt_with_algorithm (const char *alg)
{
  g_autofree char *header = g_strdup_printf ("{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
  g_autofree char *payload = g_strdup_printf ("{\"iss\":\"%s\",\"ist\":\"project\",\"iat\":%"
                                              G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                                              TEST_API_KEY, now_seconds (), now_seconds () + 300);
  g_autofree char *header_part = confab_base64url_encode ((const guchar *) header, strlen (header));
  g_autofree char *payload_part = confab_base64url_encode ((const guchar *) payload,
                                                           strlen (payload));
  g_autofree char *input = g_strconcat (header_part, ".", payload_part, NULL);
  g_autofree char *signature = NULL;

  if (strcmp (alg, "HS512") == 0)
    {
      g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA512, (const guchar *) TEST_API_SECRET,
                                          strlen (TEST_API_SECRET));
      guint8 digest[64];
      gsize length = sizeof digest;

      g_hmac_update (hmac, (const guchar *) input, strlen (input));
      g_hmac_get_digest (hmac, digest, &length);
      signature = confab_base64url_encode (digest, length);
    }
  else
    {
      signature = g_strdup ("");
    }

  return g_strconcat (input, ".", signature, NULL);
}

static char *
signal_path (const char *session_id,
             const char *connection_id)
{
  if (connection_id != NULL)
    return g_strdup_printf ("/v2/project/%s/session/%s/connection/%s/signal", TEST_API_KEY,
                            session_id, connection_id);

  return g_strdup_printf ("/v2/project/%s/session/%s/signal", TEST_API_KEY, session_id);
}

static guint
rest_signal (ConfabServer *server,
             const char   *session_id,
             const char   *connection_id,
             const char   *body,
             char        **answer)
{
  g_autofree char *jwt = project_jwt ();
  g_autofree char *path = signal_path (session_id, connection_id);
  const char *headers[] = { "X-OPENTOK-AUTH", jwt, NULL };

  return http_request (server, "POST", path, headers, "application/json", body, -1, answer);
}

/* Sends a valid broadcast and checks that it is the one and only thing @recorder heard. */
static void
assert_only_marker (ConfabServer *server,
                    const char   *session_id,
                    TestRecorder *recorder)
{
  GPtrArray *events;

  g_assert_cmpuint (rest_signal (server, session_id, NULL,
                                 "{\"type\":\"marker\",\"data\":\"end\"}", NULL), ==, 204);
  test_recorder_wait_count (recorder, "signal marker", 1);

  events = test_recorder_get_events (recorder);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (events, 0), ==, "signal marker end server");
  test_recorder_clear (recorder);
}

static const char *
connection_id_of (ConfabSession *session)
{
  return confab_connection_get_id (confab_session_get_connection (session));
}

/* Tests */

static void
test_session_create (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *jwt = project_jwt ();
  const char *headers[] = { "X-OPENTOK-AUTH", jwt, NULL };
  const char *form = "archiveMode=manual&p2p.preference=enabled&location=10.1.2.3";
  g_autofree char *answer = NULL;
  g_autofree char *list_answer = NULL;
  g_autofree char *list_path = NULL;
  g_autofree char *key = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonObject) list = NULL;
  JsonObject *created;
  const char *session_id;

  g_assert_cmpuint (http_request (fixture->server, "POST", "/session/create", headers,
                                  "application/x-www-form-urlencoded", form, -1, &answer),
                    ==, 200);
  node = json_from_string (answer, NULL);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 1);
  created = json_array_get_object_element (json_node_get_array (node), 0);
  session_id = json_object_get_string_member (created, "session_id");
  key = confab_session_id_get_api_key (session_id);
  g_assert_cmpstr (key, ==, TEST_API_KEY);
  g_assert_cmpstr (json_object_get_string_member (created, "project_id"), ==, TEST_API_KEY);
  g_assert_cmpuint (strlen (json_object_get_string_member (created, "create_dt")), >, 0);

  /* The new session is known, and empty. */
  list_path = g_strdup_printf ("/v2/project/%s/session/%s/connection", TEST_API_KEY, session_id);
  g_assert_cmpuint (http_request (fixture->server, "GET", list_path, headers, NULL, NULL, 0,
                                  &list_answer), ==, 200);
  list = parse_object (list_answer);
  g_assert_cmpint (json_object_get_int_member (list, "count"), ==, 0);

  /* A signal to it answers 404: no client is connected, as OpenTok answers. */
  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (rest_signal (fixture->server, session_id, NULL,
                                 "{\"type\":\"t\",\"data\":\"d\"}", &answer), ==, 404);
  assert_error_body (answer, 404);

  /* Bad form values and other methods. */
  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (http_request (fixture->server, "POST", "/session/create", headers,
                                  "application/x-www-form-urlencoded", "archiveMode=sometimes",
                                  -1, &answer), ==, 400);
  assert_error_body (answer, 400);
  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (http_request (fixture->server, "POST", "/session/create", headers,
                                  "application/x-www-form-urlencoded", "location=example.com",
                                  -1, &answer), ==, 400);
  assert_error_body (answer, 400);
  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (http_request (fixture->server, "GET", "/session/create", headers, NULL, NULL,
                                  0, &answer), ==, 405);
  assert_error_body (answer, 405);
  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (http_request (fixture->server, "POST", "/session/create", NULL,
                                  "application/x-www-form-urlencoded", "", -1, &answer), ==, 403);
  assert_error_body (answer, 403);
  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (http_request (fixture->server, "GET", "/nowhere", NULL, NULL, NULL, 0,
                                  &answer), ==, 404);
  assert_error_body (answer, 404);

  assert_only_marker (fixture->server, fixture->session_id, fixture->alice_events);
}

static void
test_auth_refusals (Fixture       *fixture,
                    gconstpointer  data)
{
  gint64 now = now_seconds ();
  g_autofree char *path = signal_path (fixture->session_id, NULL);
  g_autofree char *other_key_path = g_strdup_printf ("/v2/project/other-key/session/%s/signal",
                                                     fixture->session_id);
  g_autofree char *delete_path = g_strdup_printf ("/v2/project/%s/session/%s/connection/%s",
                                                  TEST_API_KEY, fixture->session_id,
                                                  connection_id_of (fixture->alice));
  g_autofree char *list_path = g_strdup_printf ("/v2/project/%s/session/%s/connection",
                                                TEST_API_KEY, fixture->session_id);
  struct {
    const char *what;
    char       *jwt;
  } cases[] = {
    { "garbage", g_strdup ("garbage") },
    { "three dots of garbage", g_strdup ("a.b.c") },
    { "alg none", jwt_with_algorithm ("none") },
    { "HS512", jwt_with_algorithm ("HS512") },
    { "wrong secret", project_jwt_with (TEST_API_KEY, "another-secret", "project", now,
                                        now + 300) },
    { "wrong key", project_jwt_with ("other-key", TEST_API_SECRET, "project", now, now + 300) },
    { "no ist", project_jwt_with (TEST_API_KEY, TEST_API_SECRET, NULL, now, now + 300) },
    { "ist account", project_jwt_with (TEST_API_KEY, TEST_API_SECRET, "account", now, now + 300) },
    { "no iat", project_jwt_with (TEST_API_KEY, TEST_API_SECRET, "project", 0, now + 300) },
    { "expired", project_jwt_with (TEST_API_KEY, TEST_API_SECRET, "project", now - 600, now - 1) },
    { "too long-lived", project_jwt_with (TEST_API_KEY, TEST_API_SECRET, "project", now,
                                          now + 7200) },
    { "issued in the future", project_jwt_with (TEST_API_KEY, TEST_API_SECRET, "project",
                                                now + 3000, now + 3300) },
    { "a client token", test_token (fixture->session_id, CONFAB_ROLE_MODERATOR, NULL) },
  };
  g_autofree char *good = project_jwt ();
  const char *good_headers[] = { "X-OPENTOK-AUTH", good, NULL };
  const char *body = "{\"type\":\"chat\",\"data\":\"forged\"}";
  g_autofree char *answer = NULL;

  /* No header at all. */
  g_assert_cmpuint (http_request (fixture->server, "POST", path, NULL, "application/json", body,
                                  -1, &answer), ==, 403);
  assert_error_body (answer, 403);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *headers[] = { "X-OPENTOK-AUTH", cases[i].jwt, NULL };

      g_test_message ("Refusing %s", cases[i].what);
      g_clear_pointer (&answer, g_free);
      g_assert_cmpuint (http_request (fixture->server, "POST", path, headers, "application/json",
                                      body, -1, &answer), ==, 403);
      assert_error_body (answer, 403);

      g_clear_pointer (&answer, g_free);
      g_assert_cmpuint (http_request (fixture->server, "DELETE", delete_path, headers, NULL, NULL,
                                      0, &answer), ==, 403);
      assert_error_body (answer, 403);

      g_clear_pointer (&answer, g_free);
      g_assert_cmpuint (http_request (fixture->server, "GET", list_path, headers, NULL, NULL, 0,
                                      &answer), ==, 403);
      assert_error_body (answer, 403);
      g_free (cases[i].jwt);
    }

  /* A good JWT, but the path names another project. */
  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (http_request (fixture->server, "POST", other_key_path, good_headers,
                                  "application/json", body, -1, &answer), ==, 403);
  assert_error_body (answer, 403);

  g_assert_cmpint (confab_session_get_state (fixture->alice), ==, CONFAB_SESSION_STATE_CONNECTED);
  assert_only_marker (fixture->server, fixture->session_id, fixture->alice_events);
}

static void
test_signal_refusals (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *long_type = g_strnfill (CONFAB_SIGNAL_TYPE_MAX_LENGTH + 1, 'a');
  g_autofree char *long_data = g_strnfill (CONFAB_SIGNAL_DATA_MAX_LENGTH + 1, 'x');
  g_autofree char *huge_data = g_strnfill (70 * 1024, 'x');
  g_autofree char *long_type_body = g_strdup_printf ("{\"type\":\"%s\",\"data\":\"x\"}",
                                                     long_type);
  g_autofree char *long_data_body = g_strdup_printf ("{\"type\":\"t\",\"data\":\"%s\"}",
                                                     long_data);
  g_autofree char *huge_body = g_strdup_printf ("{\"type\":\"t\",\"data\":\"%s\"}", huge_data);
  g_autofree char *unknown_session = confab_session_id_new (TEST_API_KEY);
  g_autofree char *foreign_session = confab_session_id_new ("other-key");
  struct {
    const char *body;
    const char *session_id;
    const char *connection_id;
    guint       status;
  } cases[] = {
    { "{", NULL, NULL, 400 },
    { "", NULL, NULL, 400 },
    { "[1,2]", NULL, NULL, 400 },
    { "\"text\"", NULL, NULL, 400 },
    { "{\"type\":\"t\",\"data\":\"\xff\xfe\"}", NULL, NULL, 400 },
    { "{\"type\":\"t\",\"data\":42}", NULL, NULL, 400 },
    { "{\"type\":7,\"data\":\"d\"}", NULL, NULL, 400 },
    { "{\"type\":\"t\",\"data\":null}", NULL, NULL, 400 },
    { "{\"type\":\"t\"}", NULL, NULL, 400 },
    { "{\"type\":\"no spaces\",\"data\":\"d\"}", NULL, NULL, 400 },
    { "{\"type\":\"caf\xc3\xa9\",\"data\":\"d\"}", NULL, NULL, 400 },
    { long_type_body, NULL, NULL, 413 },
    { long_data_body, NULL, NULL, 413 },
    { huge_body, NULL, NULL, 413 },
    { "{\"type\":\"t\",\"data\":\"d\"}", unknown_session, NULL, 404 },
    { "{\"type\":\"t\",\"data\":\"d\"}", foreign_session, NULL, 404 },
    { "{\"type\":\"t\",\"data\":\"d\"}", NULL, "no-such-connection", 404 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *answer = NULL;

      g_test_message ("Case %u: expecting %u", i, cases[i].status);
      g_assert_cmpuint (rest_signal (fixture->server,
                                     cases[i].session_id ? cases[i].session_id
                                                         : fixture->session_id,
                                     cases[i].connection_id, cases[i].body, &answer),
                        ==, cases[i].status);
      assert_error_body (answer, cases[i].status);
    }

  assert_only_marker (fixture->server, fixture->session_id, fixture->alice_events);
}

static void
test_signal_delivery (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(ConfabSession) bob = test_join (fixture->server, fixture->session_id,
                                            CONFAB_ROLE_SUBSCRIBER, "Bob");
  g_autoptr(TestRecorder) bob_events = test_recorder_new (bob);

  test_recorder_wait_count (fixture->alice_events, "created", 1);
  test_recorder_clear (fixture->alice_events);

  g_assert_cmpuint (rest_signal (fixture->server, fixture->session_id, NULL,
                                 "{\"type\":\"chat\",\"data\":\"Hello, everyone\"}", NULL),
                    ==, 204);
  g_assert_cmpuint (rest_signal (fixture->server, fixture->session_id, connection_id_of (bob),
                                 "{\"type\":\"direct\",\"data\":\"Just you\"}", NULL), ==, 204);
  /* type may be left out: an empty type. */
  g_assert_cmpuint (rest_signal (fixture->server, fixture->session_id, connection_id_of (bob),
                                 "{\"data\":\"untyped\"}", NULL), ==, 204);
  test_recorder_wait_count (bob_events, "signal", 3);

  g_assert_cmpuint (test_recorder_get_events (bob_events)->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (test_recorder_get_events (bob_events), 0), ==,
                   "signal chat Hello, everyone server");
  g_assert_cmpstr (g_ptr_array_index (test_recorder_get_events (bob_events), 1), ==,
                   "signal direct Just you server");
  g_assert_cmpstr (g_ptr_array_index (test_recorder_get_events (bob_events), 2), ==,
                   "signal  untyped server");

  /* Alice got the broadcast, not Bob's signals. */
  test_recorder_wait_count (fixture->alice_events, "signal chat", 1);
  g_assert_cmpstr (g_ptr_array_index (test_recorder_get_events (fixture->alice_events), 0), ==,
                   "signal chat Hello, everyone server");
  test_recorder_clear (fixture->alice_events);
  assert_only_marker (fixture->server, fixture->session_id, fixture->alice_events);

  confab_session_disconnect (bob);
}

static void
test_force_disconnect_and_list (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(ConfabSession) bob = test_join (fixture->server, fixture->session_id,
                                            CONFAB_ROLE_PUBLISHER, "Bob «the builder»");
  g_autoptr(TestRecorder) bob_events = test_recorder_new (bob);
  g_autofree char *bob_id = g_strdup (connection_id_of (bob));
  g_autofree char *jwt = project_jwt ();
  const char *headers[] = { "X-OPENTOK-AUTH", jwt, NULL };
  g_autofree char *list_path = g_strdup_printf ("/v2/project/%s/session/%s/connection",
                                                TEST_API_KEY, fixture->session_id);
  g_autofree char *bob_path = g_strdup_printf ("/v2/project/%s/session/%s/connection/%s",
                                               TEST_API_KEY, fixture->session_id, bob_id);
  g_autofree char *nobody_path = g_strdup_printf ("/v2/project/%s/session/%s/connection/nobody",
                                                  TEST_API_KEY, fixture->session_id);
  g_autofree char *expected = NULL;
  g_autofree char *answer = NULL;
  g_autoptr(JsonObject) list = NULL;
  JsonArray *items;

  test_recorder_wait_count (fixture->alice_events, "created", 1);
  test_recorder_clear (fixture->alice_events);

  g_assert_cmpuint (http_request (fixture->server, "GET", list_path, headers, NULL, NULL, 0,
                                  &answer), ==, 200);
  list = parse_object (answer);
  g_assert_cmpint (json_object_get_int_member (list, "count"), ==, 2);
  items = json_object_get_array_member (list, "items");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0),
                                                  "connectionData"), ==, "Alice");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1),
                                                  "connectionId"), ==, bob_id);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1),
                                                  "connectionData"), ==, "Bob «the builder»");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (items, 1),
                                               "createdAt"), >, 0);

  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (http_request (fixture->server, "DELETE", nobody_path, headers, NULL, NULL, 0,
                                  &answer), ==, 404);
  assert_error_body (answer, 404);

  g_assert_cmpuint (http_request (fixture->server, "DELETE", bob_path, headers, NULL, NULL, 0,
                                  NULL), ==, 204);
  test_recorder_wait_count (bob_events, "disconnected", 1);
  g_assert_cmpstr (g_ptr_array_index (test_recorder_get_events (bob_events),
                                      test_recorder_get_events (bob_events)->len - 1),
                   ==, "disconnected forceDisconnected");

  test_recorder_wait_count (fixture->alice_events, "destroyed", 1);
  expected = g_strdup_printf ("destroyed %s forceDisconnected", bob_id);
  g_assert_cmpstr (g_ptr_array_index (test_recorder_get_events (fixture->alice_events), 0), ==,
                   expected);
  test_recorder_clear (fixture->alice_events);

  /* Gone: a second removal and a signal to it find nothing. */
  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (http_request (fixture->server, "DELETE", bob_path, headers, NULL, NULL, 0,
                                  &answer), ==, 404);
  assert_error_body (answer, 404);
  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (rest_signal (fixture->server, fixture->session_id, bob_id,
                                 "{\"type\":\"t\",\"data\":\"d\"}", &answer), ==, 404);
  assert_error_body (answer, 404);

  g_clear_pointer (&answer, g_free);
  g_clear_pointer (&list, json_object_unref);
  g_assert_cmpuint (http_request (fixture->server, "GET", list_path, headers, NULL, NULL, 0,
                                  &answer), ==, 200);
  list = parse_object (answer);
  g_assert_cmpint (json_object_get_int_member (list, "count"), ==, 1);

  assert_only_marker (fixture->server, fixture->session_id, fixture->alice_events);
}

/* Oversized bodies, sent by hand over a socket so that the test controls what is sent. */

typedef struct {
  guint16   port;
  char     *request; /* sent as is */
  guint     n_answers; /* how many status lines to wait for */
  char     *status_line;
  gboolean  done;
} RawExchange;

static gpointer
raw_exchange_thread (gpointer user_data)
{
  RawExchange *exchange = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) input = NULL;
  g_autoptr(GString) statuses = NULL;
  GOutputStream *output;

  g_socket_client_set_timeout (client, TEST_WAIT_SECONDS);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", exchange->port, NULL,
                                                &error);
  g_assert_no_error (error);
  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_output_stream_write_all (output, exchange->request, strlen (exchange->request), NULL, NULL,
                             &error);
  g_assert_no_error (error);

  /* Collects the status lines of the answers, until the server has answered them all or
   * closes the link. */
  input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  statuses = g_string_new (NULL);
  for (guint n = 0; n < exchange->n_answers;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (input, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        break;
      if (!g_str_has_prefix (line, "HTTP/"))
        continue;
      g_strchomp (line);
      g_string_append_printf (statuses, "%s%s", n > 0 ? "\n" : "", line);
      n++;
    }

  exchange->status_line = g_string_free (g_steal_pointer (&statuses), FALSE);
  exchange->done = TRUE;
  return NULL;
}

/* Sends @request as is, on one link, and returns the status lines of the first @n_answers
 * answers, one per line. */
static char *
raw_status_lines (ConfabServer *server,
                  const char   *request,
                  guint         n_answers)
{
  RawExchange exchange = { confab_server_get_port (server), (char *) request, n_answers, NULL,
                           FALSE };
  GThread *thread = g_thread_new ("raw-http", raw_exchange_thread, &exchange);

  test_wait_for_flag (&exchange.done, "the server to answer a raw request");
  g_thread_join (thread);
  return exchange.status_line;
}

static void
test_oversized_body (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *jwt = project_jwt ();
  g_autofree char *path = signal_path (fixture->session_id, NULL);
  g_autofree char *announced = g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                "X-OPENTOK-AUTH: %s\r\n"
                                                "Content-Type: application/json\r\n"
                                                "Content-Length: 100000000\r\n\r\n"
                                                "{\"type\":\"t\",\"data\":\"",
                                                path, jwt);
  g_autofree char *status = NULL;
  g_autoptr(GString) chunked = g_string_new (NULL);
  g_autofree char *chunk = g_strnfill (8192, 'x');
  g_autofree char *chunked_status = NULL;

  status = raw_status_lines (fixture->server, announced, 1);
  g_assert_cmpstr (status, ==, "HTTP/1.1 413 Request Entity Too Large");

  /* A chunked body has no length up front; it is refused once it grows past the limit. */
  g_string_append_printf (chunked, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-OPENTOK-AUTH: %s\r\n"
                          "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                          path, jwt);
  g_string_append_printf (chunked, "15\r\n{\"type\":\"t\",\"data\":\"\r\n");
  for (guint i = 0; i < 10; i++)
    g_string_append_printf (chunked, "2000\r\n%s\r\n", chunk);
  g_string_append (chunked, "2\r\n\"}\r\n0\r\n\r\n");
  chunked_status = raw_status_lines (fixture->server, chunked->str, 1);
  g_assert_cmpstr (chunked_status, ==, "HTTP/1.1 413 Request Entity Too Large");

  assert_only_marker (fixture->server, fixture->session_id, fixture->alice_events);
}

/* A 204 keeps the link open for the next request, as HTTP clients that reuse links (the Node
 * SDK's fetch) expect. */
static void
test_keep_alive (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *jwt = project_jwt ();
  g_autofree char *path = signal_path (fixture->session_id, NULL);
  const char *body = "{\"type\":\"twice\",\"data\":\"x\"}";
  g_autofree char *one = g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                          "X-OPENTOK-AUTH: %s\r\n"
                                          "Content-Type: application/json\r\n"
                                          "Content-Length: %zu\r\n\r\n%s",
                                          path, jwt, strlen (body), body);
  g_autofree char *two = g_strconcat (one, one, NULL);
  g_autofree char *statuses = raw_status_lines (fixture->server, two, 2);

  g_assert_cmpstr (statuses, ==, "HTTP/1.1 204 No Content\nHTTP/1.1 204 No Content");
  test_recorder_wait_count (fixture->alice_events, "signal twice", 2);
  test_recorder_clear (fixture->alice_events);
}

/* Legacy tokens */

/* Made by OpenTok's Node SDK 2.23.2, generateToken (sid, { role: 'moderator', data:
 * 'name=Ada Lovelace&id=7', expireTime: 4102444800 }, true), key "test-key" and secret
 * "test-secret-that-is-long-enough". */
#define NODE_SESSION_ID \
  "1_MX50ZXN0LWtleX4xMjcuMC4wLjF-MTcwMDAwMDAwMDAwMH5ub2RlLXZlY3Rvcg"

static char *
legacy_token_from (const char *partner_id,
                   const char *secret,
                   const char *data)
{
  g_autofree char *signature = g_compute_hmac_for_string (G_CHECKSUM_SHA1,
                                                          (const guchar *) secret, strlen (secret),
                                                          data, -1);
  g_autofree char *plain = g_strdup_printf ("partner_id=%s&sig=%s:%s", partner_id, signature,
                                            data);
  g_autofree char *encoded = g_base64_encode ((const guchar *) plain, strlen (plain));

  return g_strconcat ("T1==", encoded, NULL);
}

/* The same, for data made on the spot. */
static char *
legacy_token_take (char *data)
{
  g_autofree char *owned = data;

  return legacy_token_from (TEST_API_KEY, TEST_API_SECRET, owned);
}

static void
assert_token_refused (const char *token,
                      const char *what)
{
  g_auto(ConfabTokenClaims) claims = { 0 };
  g_autoptr(GError) error = NULL;

  g_test_message ("Refusing %s", what);
  g_assert_false (confab_token_verify (token, TEST_API_KEY, TEST_API_SECRET, now_seconds (),
                                       &claims, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (strlen (error->message), >, 10);
}

static void
test_legacy_tokens (void)
{
  g_auto(ConfabTokenClaims) claims = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *sid = confab_session_id_new (TEST_API_KEY);
  g_autofree char *minted = NULL;
  g_autofree char *expires = g_strdup_printf ("%" G_GINT64_FORMAT, now_seconds () + 3600);
  g_autofree char *good_data = g_strdup_printf ("session_id=%s&create_time=%" G_GINT64_FORMAT
                                                "&nonce=0.123&role=subscriber&expire_time=%s"
                                                "&connection_data=caf%%C3%%A9%%20au+lait"
                                                "&initial_layout_class_list=&scope=session.connect",
                                                sid, now_seconds (), expires);
  g_autofree char *good = legacy_token_from (TEST_API_KEY, TEST_API_SECRET, good_data);
  g_autofree char *long_name = g_strnfill (CONFAB_CONNECTION_DATA_MAX_LENGTH + 1, 'n');
  g_autofree char *node_vector = NULL;
  struct {
    const char *what;
    char       *token;
  } refusals[] = {
    { "garbage", g_strdup ("T1==!!!!") },
    { "empty", g_strdup ("T1==") },
    { "no colon", g_strdup_printf ("T1==%s", "cGFydG5lcl9pZD10ZXN0LWtleQ==") },
    { "wrong secret", legacy_token_from (TEST_API_KEY, "other-secret", good_data) },
    { "wrong partner", legacy_token_from ("other-key", TEST_API_SECRET, good_data) },
    { "expired", legacy_token_take (g_strdup_printf ("session_id=%s&role=publisher&"
                                                     "expire_time=%" G_GINT64_FORMAT, sid,
                                                     now_seconds () - 1)) },
    { "no expiry", legacy_token_take (g_strdup_printf ("session_id=%s&role=publisher", sid)) },
    { "bad role", legacy_token_take (g_strdup_printf ("session_id=%s&role=admin&expire_time=%s",
                                                      sid, expires)) },
    { "no session", legacy_token_take (g_strdup_printf ("role=publisher&expire_time=%s",
                                                        expires)) },
    { "session twice", legacy_token_take (g_strdup_printf ("session_id=%s&session_id=x&"
                                                           "expire_time=%s", sid, expires)) },
    { "long data", legacy_token_take (g_strdup_printf ("session_id=%s&expire_time=%s&"
                                                       "connection_data=%s", sid, expires,
                                                       long_name)) },
    { "escaped nul", legacy_token_take (g_strdup_printf ("session_id=%s&expire_time=%s&"
                                                         "connection_data=a%%00b", sid,
                                                         expires)) },
    { "another scope", legacy_token_take (g_strdup_printf ("session_id=%s&expire_time=%s&"
                                                           "scope=session.invite", sid,
                                                           expires)) },
  };

  g_assert_true (confab_token_verify (good, TEST_API_KEY, TEST_API_SECRET, now_seconds (),
                                      &claims, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (claims.session_id, ==, sid);
  g_assert_cmpint (claims.role, ==, CONFAB_ROLE_SUBSCRIBER);
  g_assert_cmpstr (claims.connection_data, ==, "café au lait");
  confab_token_claims_clear (&claims);

  /* The signature's hex digits may come in capitals. */
  minted = confab_token_legacy_new (TEST_API_KEY, TEST_API_SECRET, sid, CONFAB_ROLE_MODERATOR,
                                    "Grace", 0, &error);
  g_assert_no_error (error);
  g_assert_true (confab_token_verify (minted, TEST_API_KEY, TEST_API_SECRET, now_seconds (),
                                      &claims, &error));
  g_assert_cmpint (claims.role, ==, CONFAB_ROLE_MODERATOR);
  g_assert_cmpstr (claims.connection_data, ==, "Grace");
  confab_token_claims_clear (&claims);

  node_vector = g_strdup (
    "T1==cGFydG5lcl9pZD10ZXN0LWtleSZzaWc9MjkxYjcxNjRmMjcwYzQ3OWE5MmM4MTExZmU4MWFmODU5Njg2Nzdl"
    "MzpzZXNzaW9uX2lkPTFfTVg1MFpYTjBMV3RsZVg0eE1qY3VNQzR3TGpGLU1UY3dNREF3TURBd01EQXdNSDV1YjJS"
    "bExYWmxZM1J2Y2cmY3JlYXRlX3RpbWU9MTc5NTgyOTAyNiZub25jZT0wLjQwMDEyMjM4MzczMjU1NDcmcm9sZT1t"
    "b2RlcmF0b3ImZXhwaXJlX3RpbWU9NDEwMjQ0NDgwMCZjb25uZWN0aW9uX2RhdGE9bmFtZSUzREFkYSUyMExvdmVs"
    "YWNlJTI2aWQlM0Q3JmluaXRpYWxfbGF5b3V0X2NsYXNzX2xpc3Q9JnNjb3BlPXNlc3Npb24uY29ubmVjdA==");
  g_assert_true (confab_token_verify (node_vector, TEST_API_KEY, TEST_API_SECRET, now_seconds (),
                                      &claims, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (claims.session_id, ==, NODE_SESSION_ID);
  g_assert_cmpint (claims.role, ==, CONFAB_ROLE_MODERATOR);
  g_assert_cmpstr (claims.connection_data, ==, "name=Ada Lovelace&id=7");
  g_assert_cmpint (claims.expire_time, ==, 4102444800);

  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      assert_token_refused (refusals[i].token, refusals[i].what);
      g_free (refusals[i].token);
    }
}

static void
test_legacy_join (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = confab_token_legacy_new (TEST_API_KEY, TEST_API_SECRET,
                                                    fixture->session_id, CONFAB_ROLE_PUBLISHER,
                                                    "Legacy Larry", 0, &error);
  g_autofree char *forged = confab_token_legacy_new (TEST_API_KEY, "not-the-secret",
                                                     fixture->session_id, CONFAB_ROLE_MODERATOR,
                                                     "Mallory", 0, &error);
  g_autoptr(ConfabSession) larry = test_session_new (fixture->server, fixture->session_id);
  g_autoptr(ConfabSession) mallory = test_session_new (fixture->server, fixture->session_id);

  g_assert_true (test_session_connect (larry, token, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (confab_connection_get_data (confab_session_get_connection (larry)), ==,
                   "Legacy Larry");
  test_recorder_wait_count (fixture->alice_events, "created", 1);
  test_recorder_clear (fixture->alice_events);

  g_assert_false (test_session_connect (mallory, forged, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_UNAUTHORIZED);

  confab_session_disconnect (larry);
  test_recorder_wait_count (fixture->alice_events, "destroyed", 1);
  test_recorder_clear (fixture->alice_events);
  assert_only_marker (fixture->server, fixture->session_id, fixture->alice_events);
}

/* Invites */

static void
test_invite_links (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sid = confab_session_id_new (TEST_API_KEY);
  g_autofree char *invite = confab_invite_new (TEST_API_KEY, TEST_API_SECRET, sid,
                                               CONFAB_ROLE_PUBLISHER, 0, &error);
  g_autofree char *link = NULL;
  g_autofree char *pasted = NULL;
  g_autofree char *server_url = NULL;
  g_autofree char *session_id = NULL;
  g_autofree char *parsed_invite = NULL;
  g_autofree char *secure = NULL;
  g_autofree char *v6 = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *other = confab_session_id_new ("other-key");
  const char *bad_links[] = {
    "", "   ", "not a link", "http://127.0.0.1:4200/SID?invite=a.b.c",
    "confab:///SID?invite=a.b.c", "confab://127.0.0.1:4200/?invite=a.b.c",
    "confab://127.0.0.1:4200/SID", "confab://127.0.0.1:4200/SID?invite=",
    "confab://127.0.0.1:4200/SID?invite=abc.def", "confab://127.0.0.1:4200/a/b?invite=a.b.c",
  };

  g_assert_no_error (error);
  g_assert_nonnull (invite);

  link = confab_invite_link_new ("ws://127.0.0.1:4200", sid, invite);
  expected = g_strdup_printf ("confab://127.0.0.1:4200/%s?invite=%s", sid, invite);
  g_assert_cmpstr (link, ==, expected);

  pasted = g_strdup_printf ("  %s\n", link);
  g_assert_true (confab_invite_link_parse (pasted, &server_url, &session_id, &parsed_invite,
                                           &error));
  g_assert_no_error (error);
  g_assert_cmpstr (server_url, ==, "ws://127.0.0.1:4200");
  g_assert_cmpstr (session_id, ==, sid);
  g_assert_cmpstr (parsed_invite, ==, invite);

  secure = confab_invite_link_new ("wss://chat.example.org", sid, invite);
  g_assert_true (g_str_has_prefix (secure, "confabs://chat.example.org/"));
  g_clear_pointer (&server_url, g_free);
  g_assert_true (confab_invite_link_parse (secure, &server_url, NULL, NULL, &error));
  g_assert_cmpstr (server_url, ==, "wss://chat.example.org");

  v6 = confab_invite_link_new ("ws://[::1]:4200", sid, invite);
  g_clear_pointer (&server_url, g_free);
  g_assert_true (confab_invite_link_parse (v6, &server_url, NULL, NULL, &error));
  g_assert_cmpstr (server_url, ==, "ws://[::1]:4200");

  g_assert_null (confab_invite_link_new ("http://127.0.0.1:4200", sid, invite));

  for (guint i = 0; i < G_N_ELEMENTS (bad_links); i++)
    {
      g_autoptr(GError) link_error = NULL;

      g_assert_false (confab_invite_link_parse (bad_links[i], NULL, NULL, NULL, &link_error));
      g_assert_error (link_error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER);
    }

  /* An invite is for a session of its own project, and not already expired. */
  g_assert_null (confab_invite_new (TEST_API_KEY, TEST_API_SECRET, other, CONFAB_ROLE_PUBLISHER,
                                    0, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER);
  g_clear_error (&error);
  g_assert_null (confab_invite_new (TEST_API_KEY, TEST_API_SECRET, sid, CONFAB_ROLE_PUBLISHER,
                                    now_seconds () - 5, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER);
}

typedef struct {
  gboolean  done;
  gboolean  ok;
  char     *server_url;
  char     *session_id;
  char     *token;
  GError   *error;
} Redeemed;

static void
redeemed_clear (Redeemed *redeemed)
{
  g_clear_pointer (&redeemed->server_url, g_free);
  g_clear_pointer (&redeemed->session_id, g_free);
  g_clear_pointer (&redeemed->token, g_free);
  g_clear_error (&redeemed->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Redeemed, redeemed_clear)

static void
on_redeemed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Redeemed *redeemed = user_data;

  g_assert_null (source);
  redeemed->ok = confab_invite_redeem_finish (result, &redeemed->server_url,
                                              &redeemed->session_id, &redeemed->token,
                                              &redeemed->error);
  redeemed->done = TRUE;
}

static void
redeem (const char *link,
        const char *connection_data,
        Redeemed   *redeemed)
{
  confab_invite_redeem_async (link, connection_data, NULL, on_redeemed, redeemed);
  test_wait_for_flag (&redeemed->done, "the invite to be redeemed");
}

static char *
link_for (ConfabServer *server,
          const char   *session_id,
          const char   *invite)
{
  g_autofree char *url = confab_server_dup_url (server);

  return confab_invite_link_new (url, session_id, invite);
}

static void
assert_redeem_refused (ConfabServer *server,
                       const char   *session_id,
                       const char   *invite,
                       const char   *connection_data,
                       ConfabError   code)
{
  g_autofree char *link = link_for (server, session_id, invite);
  g_auto(Redeemed) redeemed = { 0 };

  redeem (link, connection_data, &redeemed);
  g_assert_false (redeemed.ok);
  g_assert_error (redeemed.error, CONFAB_ERROR, (gint) code);
  g_assert_cmpuint (strlen (redeemed.error->message), >, 10);
  g_assert_null (redeemed.token);
}

static char *
invite_claims_jwt (const char *session_id,
                   const char *scope,
                   gint64      exp)
{
  g_autoptr(JsonObject) claims = json_object_new ();

  json_object_set_string_member (claims, "iss", TEST_API_KEY);
  json_object_set_string_member (claims, "ist", "project");
  json_object_set_int_member (claims, "iat", now_seconds () - 100);
  json_object_set_int_member (claims, "exp", exp);
  json_object_set_string_member (claims, "scope", scope);
  json_object_set_string_member (claims, "session_id", session_id);
  json_object_set_string_member (claims, "role", "publisher");
  return confab_jwt_encode (claims, TEST_API_SECRET);
}

static void
test_invite_redeem (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *invite = confab_invite_new (TEST_API_KEY, TEST_API_SECRET,
                                               fixture->session_id, CONFAB_ROLE_SUBSCRIBER, 0,
                                               &error);
  g_autofree char *link = link_for (fixture->server, fixture->session_id, invite);
  g_autofree char *server_url = confab_server_dup_url (fixture->server);
  g_autofree char *other_session = confab_session_id_new (TEST_API_KEY);
  g_autofree char *other_invite = confab_invite_new (TEST_API_KEY, TEST_API_SECRET,
                                                     other_session, CONFAB_ROLE_MODERATOR, 0,
                                                     &error);
  g_autofree char *forged = NULL;
  g_autofree char *expired = invite_claims_jwt (fixture->session_id, "session.invite",
                                                now_seconds () - 1);
  g_autofree char *client_token = test_token (fixture->session_id, CONFAB_ROLE_MODERATOR, "x");
  g_autofree char *long_name = g_strnfill (CONFAB_CONNECTION_DATA_MAX_LENGTH + 1, 'n');
  g_autofree char *token_path = g_strdup_printf ("/v1/session/%s/token", fixture->session_id);
  g_autofree char *bearer = g_strconcat ("Bearer ", invite, NULL);
  const char *headers[] = { "Authorization", bearer, NULL };
  g_autofree char *unreachable = NULL;
  g_auto(Redeemed) redeemed = { 0 };
  g_auto(ConfabTokenClaims) claims = { 0 };
  g_autoptr(ConfabSession) bob = NULL;
  g_autofree char *answer = NULL;

  g_assert_no_error (error);

  /* Refusals first, so that the only thing Alice sees is Bob joining. */
  forged = confab_invite_new (TEST_API_KEY, "another-secret", fixture->session_id,
                              CONFAB_ROLE_MODERATOR, 0, &error);
  g_assert_no_error (error);
  assert_redeem_refused (fixture->server, fixture->session_id, "a.b.c", "Eve",
                         CONFAB_ERROR_UNAUTHORIZED);
  assert_redeem_refused (fixture->server, fixture->session_id, forged, "Eve",
                         CONFAB_ERROR_UNAUTHORIZED);
  assert_redeem_refused (fixture->server, fixture->session_id, expired, "Eve",
                         CONFAB_ERROR_UNAUTHORIZED);
  assert_redeem_refused (fixture->server, fixture->session_id, client_token, "Eve",
                         CONFAB_ERROR_FORBIDDEN);
  assert_redeem_refused (fixture->server, fixture->session_id, other_invite, "Eve",
                         CONFAB_ERROR_FORBIDDEN);
  assert_redeem_refused (fixture->server, fixture->session_id, invite, long_name,
                         CONFAB_ERROR_INVALID_PARAMETER);

  /* The same refusals as a plain HTTP client sees them. */
  g_assert_cmpuint (http_request (fixture->server, "POST", token_path, NULL, "application/json",
                                  "{\"connection_data\":\"Eve\"}", -1, &answer), ==, 401);
  assert_error_body (answer, 401);
  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (http_request (fixture->server, "POST", token_path, headers,
                                  "application/json", "Eve", -1, &answer), ==, 400);
  assert_error_body (answer, 400);
  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (http_request (fixture->server, "POST", token_path, headers,
                                  "application/json", "{\"connection_data\":17}", -1, &answer),
                    ==, 400);
  assert_error_body (answer, 400);
  g_clear_pointer (&answer, g_free);
  {
    g_autofree char *body = g_strdup_printf ("{\"connection_data\":\"%s\"}", long_name);

    g_assert_cmpuint (http_request (fixture->server, "POST", token_path, headers,
                                    "application/json", body, -1, &answer), ==, 413);
    assert_error_body (answer, 413);
    g_clear_pointer (&answer, g_free);
  }
  g_assert_cmpuint (http_request (fixture->server, "GET", token_path, headers, NULL, NULL, 0,
                                  &answer), ==, 405);
  assert_error_body (answer, 405);

  /* Nobody listens here any more. */
  {
    g_autoptr(ConfabServer) gone = test_server_new ();
    g_autofree char *gone_url = confab_server_dup_url (gone);

    unreachable = confab_invite_link_new (gone_url, fixture->session_id, invite);
    confab_server_stop (gone);
  }
  redeem (unreachable, "Eve", &redeemed);
  g_assert_error (redeemed.error, CONFAB_ERROR, CONFAB_ERROR_CONNECTION_FAILED);
  redeemed_clear (&redeemed);
  redeemed.done = FALSE;

  g_assert_cmpuint (test_recorder_get_events (fixture->alice_events)->len, ==, 0);

  /* The real thing: Bob picks his name, gets a token with the invite's role, and joins. */
  redeem (link, "Bob 🙂", &redeemed);
  g_assert_no_error (redeemed.error);
  g_assert_true (redeemed.ok);
  g_assert_cmpstr (redeemed.server_url, ==, server_url);
  g_assert_cmpstr (redeemed.session_id, ==, fixture->session_id);
  g_assert_true (confab_token_verify (redeemed.token, TEST_API_KEY, TEST_API_SECRET,
                                      now_seconds (), &claims, &error));
  g_assert_cmpint (claims.role, ==, CONFAB_ROLE_SUBSCRIBER);
  g_assert_cmpstr (claims.connection_data, ==, "Bob 🙂");

  bob = confab_session_new (redeemed.server_url, redeemed.session_id);
  g_assert_true (test_session_connect (bob, redeemed.token, &error));
  g_assert_no_error (error);

  test_recorder_wait_count (fixture->alice_events, "created", 1);
  g_assert_cmpuint (test_recorder_get_events (fixture->alice_events)->len, ==, 1);
  g_assert_cmpstr (confab_connection_get_data (
                     confab_session_lookup_connection (fixture->alice,
                                                       connection_id_of (bob))), ==, "Bob 🙂");
  confab_session_disconnect (bob);
}

int
main (int    argc,
      char **argv)
{
  test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/rest/session-create", test_session_create);
  ADD ("/rest/auth-refusals", test_auth_refusals);
  ADD ("/rest/signal-refusals", test_signal_refusals);
  ADD ("/rest/signal-delivery", test_signal_delivery);
  ADD ("/rest/force-disconnect-and-list", test_force_disconnect_and_list);
  ADD ("/rest/oversized-body", test_oversized_body);
  ADD ("/rest/keep-alive", test_keep_alive);
  g_test_add_func ("/rest/legacy-tokens", test_legacy_tokens);
  ADD ("/rest/legacy-join", test_legacy_join);
  g_test_add_func ("/rest/invite-links", test_invite_links);
  ADD ("/rest/invite-redeem", test_invite_redeem);

#undef ADD

  return g_test_run ();
}
