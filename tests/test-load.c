/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "test-load"

#include <string.h>

#include "confab-test-util.h"

/* Many clients at once: one order for everyone, fifty in a session, a reader that stops, and
 * the connections model under churn. Counts are bounded so the suite stays quick. */

typedef TestFixture Fixture;

static void
on_fire_and_forget (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  guint *answered = user_data;
  g_autoptr(GError) error = NULL;

  confab_session_send_signal_finish (CONFAB_SESSION (source), result, &error);
  g_assert_no_error (error);
  (*answered)++;
}

static GPtrArray *
signals_of (TestRecorder *recorder)
{
  GPtrArray *events = test_recorder_get_events (recorder);
  GPtrArray *signals = g_ptr_array_new ();

  for (guint i = 0; i < events->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (events, i), "signal"))
      g_ptr_array_add (signals, g_ptr_array_index (events, i));

  return signals;
}

static void
test_one_order_for_everyone (Fixture       *fixture,
                             gconstpointer  data)
{
  const guint n_senders = 3;
  const guint n_listeners = 2;
  const guint per_sender = 200;
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) recorders = g_ptr_array_new_with_free_func ((GDestroyNotify) test_recorder_free);
  g_autoptr(GPtrArray) reference = NULL;
  guint answered = 0;

  for (guint i = 0; i < n_senders + n_listeners; i++)
    {
      g_autofree char *name = g_strdup_printf ("peer%u", i);
      ConfabSession *session = test_join (fixture->server, fixture->session_id,
                                          CONFAB_ROLE_PUBLISHER, name);

      g_ptr_array_add (sessions, session);
      g_ptr_array_add (recorders, test_recorder_new (session));
    }

  /* Every sender fires all its signals without waiting: they interleave at the server. */
  for (guint n = 0; n < per_sender; n++)
    for (guint s = 0; s < n_senders; s++)
      {
        g_autofree char *payload = g_strdup_printf ("%u", n);

        confab_session_send_signal_async (g_ptr_array_index (sessions, s), "seq", payload,
                                          n % 2 == 0 ? NULL : test_id_of (g_ptr_array_index (sessions, n_senders)),
                                          TRUE, NULL, on_fire_and_forget, &answered);
      }

  for (guint i = 0; i < sessions->len; i++)
    {
      guint expected = i == n_senders ? n_senders * per_sender : n_senders * per_sender / 2;

      test_recorder_wait_count (g_ptr_array_index (recorders, i), "signal", expected);
    }
  while (answered < n_senders * per_sender)
    g_main_context_iteration (NULL, TRUE);

  /* The broadcasts arrive in one order everywhere, each sender's in the order sent. */
  for (guint i = 0; i < sessions->len; i++)
    {
      g_autoptr(GPtrArray) signals = signals_of (g_ptr_array_index (recorders, i));
      g_autoptr(GPtrArray) broadcasts = g_ptr_array_new ();
      g_autoptr(GHashTable) last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      for (guint k = 0; k < signals->len; k++)
        {
          g_auto(GStrv) fields = g_strsplit (g_ptr_array_index (signals, k), " ", 4);
          guint64 number = g_ascii_strtoull (fields[2], NULL, 10);
          gpointer previous;

          if (number % 2 == 0)
            g_ptr_array_add (broadcasts, g_ptr_array_index (signals, k));

          if (g_hash_table_lookup_extended (last, fields[3], NULL, &previous))
            g_assert_cmpuint (number, >, GPOINTER_TO_UINT (previous) - 1);
          g_hash_table_insert (last, g_strdup (fields[3]), GUINT_TO_POINTER (number + 1));
        }

      g_assert_cmpuint (broadcasts->len, ==, n_senders * per_sender / 2);
      if (reference == NULL)
        {
          reference = g_ptr_array_ref (broadcasts);
          continue;
        }
      for (guint k = 0; k < broadcasts->len; k++)
        g_assert_cmpstr (g_ptr_array_index (broadcasts, k), ==, g_ptr_array_index (reference, k));
    }
}

static void
test_fifty_clients (Fixture       *fixture,
                    gconstpointer  data)
{
  const guint n_clients = 50;
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) recorders = g_ptr_array_new_with_free_func ((GDestroyNotify) test_recorder_free);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n_clients; i++)
    {
      g_autofree char *name = g_strdup_printf ("client %u", i);
      ConfabSession *session = test_join (fixture->server, fixture->session_id,
                                          CONFAB_ROLE_PUBLISHER, name);

      g_ptr_array_add (sessions, session);
      g_ptr_array_add (recorders, test_recorder_new (session));
    }

  /* Everyone knows everyone: those who came later got the list, the others the events. */
  for (guint i = 0; i < n_clients; i++)
    {
      ConfabSession *session = g_ptr_array_index (sessions, i);

      test_recorder_wait_count (g_ptr_array_index (recorders, i), "created", n_clients - 1 - i);
      g_assert_cmpuint (g_list_model_get_n_items (confab_session_get_connections (session)), ==,
                        n_clients);
    }

  g_assert_true (test_send (g_ptr_array_index (sessions, 17), "chat", "hello all", NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n_clients; i++)
    test_recorder_wait_count (g_ptr_array_index (recorders, i), "signal chat hello all", 1);

  g_assert_cmpuint (confab_server_get_n_connections (fixture->server), ==, n_clients);
}

/* A WebSocket client that joins, then never reads again. */
static GSocketConnection *
join_and_stop_reading (Fixture *fixture)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request = NULL;
  g_autofree char *token = test_token (fixture->session_id, CONFAB_ROLE_PUBLISHER, "Sleepy");
  g_autofree char *payload = g_strdup_printf ("{\"op\":\"connect\",\"token\":\"%s\"}", token);
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  const guint8 mask[4] = { 0x12, 0x34, 0x56, 0x78 };
  GSocket *socket;
  gsize length = strlen (payload);
  char response[4096] = "";
  gsize received = 0;
  gint64 deadline = g_get_monotonic_time () + TEST_WAIT_SECONDS * G_USEC_PER_SEC;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                confab_server_get_port (fixture->server),
                                                NULL, &error);
  g_assert_no_error (error);
  socket = g_socket_connection_get_socket (connection);

  request = g_strdup_printf ("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: confab.v1\r\n\r\n");
  g_socket_send (socket, request, strlen (request), NULL, &error);
  g_assert_no_error (error);

  /* Let the server answer the handshake; the server runs in this thread's main loop. */
  while (strstr (response, "\r\n\r\n") == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      if (g_socket_condition_check (socket, G_IO_IN) & G_IO_IN)
        {
          gssize n = g_socket_receive (socket, response + received, sizeof response - received - 1,
                                       NULL, &error);
          g_assert_no_error (error);
          g_assert_cmpint (n, >, 0);
          received += n;
          response[received] = '\0';
        }
      else
        g_usleep (1000);
    }
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 101"));

  /* One masked text frame with the connect request. */
  g_byte_array_append (frame, (const guint8 []) { 0x81 }, 1);
  g_assert_cmpuint (length, <, 65536);
  g_byte_array_append (frame, (const guint8 []) { 0x80 | 126, length >> 8, length & 0xff }, 3);
  g_byte_array_append (frame, mask, 4);
  for (gsize i = 0; i < length; i++)
    {
      guint8 byte = payload[i] ^ mask[i % 4];

      g_byte_array_append (frame, &byte, 1);
    }
  g_socket_send (socket, (const char *) frame->data, frame->len, NULL, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&connection);
}

static void
test_slow_consumer_is_cut_off (Fixture       *fixture,
                               gconstpointer  data)
{
  const guint max_unacked = 200;
  const guint batch = 50;
  const guint n_batches = 6;
  g_autoptr(ConfabSession) alice = NULL;
  g_autoptr(ConfabSession) bob = NULL;
  g_autoptr(TestRecorder) alice_events = NULL;
  g_autoptr(TestRecorder) bob_events = NULL;
  g_autoptr(GSocketConnection) sleepy = NULL;
  g_autofree char *sleepy_id = NULL;
  g_autofree char *gone = NULL;
  guint answered = 0;

  g_object_set (fixture->server, "max-unacked", max_unacked, NULL);
  alice = test_join (fixture->server, fixture->session_id, CONFAB_ROLE_PUBLISHER, "Alice");
  bob = test_join (fixture->server, fixture->session_id, CONFAB_ROLE_PUBLISHER, "Bob");
  alice_events = test_recorder_new (alice);
  bob_events = test_recorder_new (bob);

  sleepy = join_and_stop_reading (fixture);
  test_recorder_wait_count (bob_events, "created", 1);
  sleepy_id = g_strdup ((const char *) g_ptr_array_index (test_recorder_get_events (bob_events), 0)
                        + strlen ("created "));

  /* In batches, so the readers' acknowledgements keep up (a reader acknowledges every 64
   * events) while the one who stopped reading only falls further behind. */
  for (guint b = 0; b < n_batches; b++)
    {
      for (guint i = 0; i < batch; i++)
        {
          g_autofree char *payload = g_strdup_printf ("%u", b * batch + i);

          confab_session_send_signal_async (alice, "chat", payload, NULL, TRUE, NULL,
                                            on_fire_and_forget, &answered);
        }
      test_recorder_wait_count (bob_events, "signal", (b + 1) * batch);
      test_recorder_wait_count (alice_events, "signal", (b + 1) * batch);
    }

  gone = g_strdup_printf ("destroyed %s networkDisconnected", sleepy_id);
  test_recorder_wait_count (bob_events, gone, 1);
  while (answered < batch * n_batches)
    g_main_context_iteration (NULL, TRUE);

  /* The readers never noticed anything but the departure. */
  g_assert_cmpuint (test_recorder_count (bob_events, "signal"), ==, batch * n_batches);
  g_assert_cmpuint (test_recorder_count (bob_events, "reconnecting"), ==, 0);
  g_assert_cmpuint (test_recorder_count (alice_events, "reconnecting"), ==, 0);
  g_assert_null (confab_session_lookup_connection (alice, sleepy_id));
  g_assert_cmpuint (confab_server_get_n_connections (fixture->server), ==, 2);
}

static gboolean
models_match_server (gpointer user_data)
{
  gpointer *args = user_data;
  Fixture *fixture = args[0];
  GPtrArray *sessions = args[1];
  g_autoptr(GPtrArray) truth = confab_server_dup_connections (fixture->server,
                                                              fixture->session_id);

  for (guint i = 0; i < sessions->len; i++)
    {
      ConfabSession *session = g_ptr_array_index (sessions, i);
      GListModel *model = confab_session_get_connections (session);

      if (g_list_model_get_n_items (model) != truth->len)
        return FALSE;

      for (guint k = 0; k < truth->len; k++)
        if (confab_session_lookup_connection (session,
                                              confab_connection_get_id (g_ptr_array_index (truth, k)))
            == NULL)
          return FALSE;
    }

  return TRUE;
}

static void
test_model_after_churn (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261128);
  gpointer args[2] = { fixture, sessions };
  guint joined = 0;

  for (guint round = 0; round < 80; round++)
    {
      if (sessions->len < 3 || g_rand_int_range (rand, 0, 3) > 0)
        {
          g_autofree char *name = g_strdup_printf ("churn %u", joined++);

          g_ptr_array_add (sessions, test_join (fixture->server, fixture->session_id,
                                                CONFAB_ROLE_PUBLISHER, name));
        }
      else
        {
          guint victim = g_rand_int_range (rand, 0, sessions->len);

          test_leave (g_ptr_array_index (sessions, victim));
          g_ptr_array_remove_index (sessions, victim);
        }
    }

  test_wait_until (models_match_server, args, "every model to match the server");
  g_assert_cmpuint (sessions->len, >, 3);

  /* Each model lists its own connection once. */
  for (guint i = 0; i < sessions->len; i++)
    {
      ConfabSession *session = g_ptr_array_index (sessions, i);

      g_assert_true (confab_session_lookup_connection (session, test_id_of (session)) ==
                     confab_session_get_connection (session));
    }
}

static void
test_connection_limit (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(ConfabSession) first = NULL;
  g_autoptr(ConfabSession) second = NULL;
  g_autoptr(ConfabSession) third = NULL;
  g_autofree char *token = test_token (fixture->session_id, CONFAB_ROLE_PUBLISHER, "Late");
  g_autoptr(GError) error = NULL;

  g_object_set (fixture->server, "max-connections", 2, NULL);
  first = test_join (fixture->server, fixture->session_id, CONFAB_ROLE_PUBLISHER, "One");
  second = test_join (fixture->server, fixture->session_id, CONFAB_ROLE_PUBLISHER, "Two");

  third = test_session_new (fixture->server, fixture->session_id);
  g_assert_false (test_session_connect (third, token, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_SERVER_FULL);
  g_assert_cmpuint (g_list_model_get_n_items (confab_session_get_connections (first)), ==, 2);

  /* A place freed is a place taken. */
  test_leave (second);
  g_clear_error (&error);
  g_assert_true (test_session_connect (third, token, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  TEST_ADD ("/load/one-order-for-everyone", test_one_order_for_everyone);
  TEST_ADD ("/load/fifty-clients", test_fifty_clients);
  TEST_ADD ("/load/slow-consumer-is-cut-off", test_slow_consumer_is_cut_off);
  TEST_ADD ("/load/model-after-churn", test_model_after_churn);
  TEST_ADD ("/load/connection-limit", test_connection_limit);

  return g_test_run ();
}
