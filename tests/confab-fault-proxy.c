/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-fault-proxy"

#include "confab-fault-proxy.h"

#define PUMP_BUFFER_SIZE (64 * 1024)

typedef struct _Link Link;

/* Copies one direction of a link. It holds a reference on its link while a read, a delayed
 * write or a write is under way. */
typedef struct {
  Link          *link;
  GInputStream  *in;
  GOutputStream *out;
  guint8         buffer[PUMP_BUFFER_SIZE];
  gsize          length;
} Pump;

struct _Link
{
  gint               ref_count;
  TestFaultProxy    *proxy;
  GSocketConnection *client;
  GSocketConnection *upstream;
  GCancellable      *cancellable;
  Pump               to_server;
  Pump               to_client;
  gboolean           closed;
};

struct _TestFaultProxy
{
  GSocketService *service;
  guint           port;
  guint           upstream_port;
  GPtrArray      *links;
  gboolean        refusing;
  gboolean        black_hole;
  guint           delay_ms;
  guint           n_cuts;
};

static void pump_read (Pump *pump);

static Link *
link_ref (Link *link)
{
  link->ref_count++;
  return link;
}

static void
link_unref (Link *link)
{
  if (--link->ref_count > 0)
    return;

  g_clear_object (&link->client);
  g_clear_object (&link->upstream);
  g_clear_object (&link->cancellable);
  g_free (link);
}

static void
close_connection (GSocketConnection *connection)
{
  if (connection != NULL)
    g_socket_close (g_socket_connection_get_socket (connection), NULL);
}

static void
link_close (Link *link)
{
  if (link->closed)
    return;

  link->closed = TRUE;
  g_cancellable_cancel (link->cancellable);
  close_connection (link->client);
  close_connection (link->upstream);
  if (link->proxy != NULL)
    g_ptr_array_remove (link->proxy->links, link);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Pump *pump = user_data;
  Link *link = pump->link;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    link_close (link);
  else if (!link->closed)
    pump_read (pump);

  link_unref (link);
}

static void
pump_write (Pump *pump)
{
  g_output_stream_write_all_async (pump->out, pump->buffer, pump->length, G_PRIORITY_DEFAULT,
                                   pump->link->cancellable, on_written, pump);
}

static gboolean
on_delay_over (gpointer user_data)
{
  Pump *pump = user_data;

  if (pump->link->closed)
    link_unref (pump->link);
  else
    pump_write (pump);

  return G_SOURCE_REMOVE;
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Pump *pump = user_data;
  Link *link = pump->link;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0 || link->closed)
    {
      link_close (link);
      link_unref (link);
      return;
    }

  /* In a black hole the bytes vanish and the link stays open, as on a dead network path. */
  if (link->proxy->black_hole)
    {
      pump_read (pump);
      link_unref (link);
      return;
    }

  pump->length = n;
  if (link->proxy->delay_ms > 0)
    g_timeout_add (link->proxy->delay_ms, on_delay_over, pump);
  else
    pump_write (pump);
}

static void
pump_read (Pump *pump)
{
  link_ref (pump->link);
  g_input_stream_read_async (pump->in, pump->buffer, sizeof pump->buffer, G_PRIORITY_DEFAULT,
                             pump->link->cancellable, on_read, pump);
}

static void
pump_init (Pump              *pump,
           Link              *link,
           GSocketConnection *from,
           GSocketConnection *to)
{
  pump->link = link;
  pump->in = g_io_stream_get_input_stream (G_IO_STREAM (from));
  pump->out = g_io_stream_get_output_stream (G_IO_STREAM (to));
}

static void
on_upstream_connected (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Link *link = user_data;

  link->upstream = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, NULL);
  if (link->upstream == NULL || link->closed)
    {
      link_close (link);
      link_unref (link);
      return;
    }

  pump_init (&link->to_server, link, link->client, link->upstream);
  pump_init (&link->to_client, link, link->upstream, link->client);
  pump_read (&link->to_server);
  pump_read (&link->to_client);
  link_unref (link);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  TestFaultProxy *proxy = user_data;
  g_autoptr(GSocketClient) client = NULL;
  Link *link;

  if (proxy->refusing)
    {
      close_connection (connection);
      return TRUE;
    }

  link = g_new0 (Link, 1);
  link->ref_count = 1;
  link->proxy = proxy;
  link->client = g_object_ref (connection);
  link->cancellable = g_cancellable_new ();
  g_ptr_array_add (proxy->links, link);

  client = g_socket_client_new ();
  g_socket_client_connect_to_host_async (client, "127.0.0.1", proxy->upstream_port,
                                         link->cancellable, on_upstream_connected,
                                         link_ref (link));
  return TRUE;
}

TestFaultProxy *
test_fault_proxy_new (guint upstream_port)
{
  TestFaultProxy *proxy = g_new0 (TestFaultProxy, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  proxy->upstream_port = upstream_port;
  proxy->links = g_ptr_array_new_with_free_func ((GDestroyNotify) link_unref);
  proxy->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (proxy->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                 &effective, &error);
  g_assert_no_error (error);
  proxy->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (proxy->service, "incoming", G_CALLBACK (on_incoming), proxy);
  g_socket_service_start (proxy->service);

  return proxy;
}

void
test_fault_proxy_free (TestFaultProxy *proxy)
{
  g_socket_service_stop (proxy->service);
  g_socket_listener_close (G_SOCKET_LISTENER (proxy->service));
  g_clear_object (&proxy->service);

  while (proxy->links->len > 0)
    {
      Link *link = g_ptr_array_index (proxy->links, 0);

      link->proxy = NULL;
      link_close (link);
      g_ptr_array_remove_index (proxy->links, 0);
    }
  g_ptr_array_unref (proxy->links);

  /* Let the cancelled operations drop their references. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_free (proxy);
}

char *
test_fault_proxy_dup_url (TestFaultProxy *proxy)
{
  return g_strdup_printf ("ws://127.0.0.1:%u", proxy->port);
}

void
test_fault_proxy_set_upstream (TestFaultProxy *proxy,
                               guint           upstream_port)
{
  proxy->upstream_port = upstream_port;
}

guint
test_fault_proxy_get_n_links (TestFaultProxy *proxy)
{
  return proxy->links->len;
}

guint
test_fault_proxy_get_n_cuts (TestFaultProxy *proxy)
{
  return proxy->n_cuts;
}

void
test_fault_proxy_cut_all (TestFaultProxy *proxy)
{
  while (proxy->links->len > 0)
    {
      proxy->n_cuts++;
      link_close (g_ptr_array_index (proxy->links, 0));
    }
}

gboolean
test_fault_proxy_cut_one (TestFaultProxy *proxy,
                          GRand          *rand)
{
  if (proxy->links->len == 0)
    return FALSE;

  proxy->n_cuts++;
  link_close (g_ptr_array_index (proxy->links, g_rand_int_range (rand, 0, proxy->links->len)));
  return TRUE;
}

void
test_fault_proxy_set_refusing (TestFaultProxy *proxy,
                               gboolean        refusing)
{
  proxy->refusing = refusing;
}

void
test_fault_proxy_set_black_hole (TestFaultProxy *proxy,
                                 gboolean        black_hole)
{
  proxy->black_hole = black_hole;
}

void
test_fault_proxy_set_delay (TestFaultProxy *proxy,
                            guint           milliseconds)
{
  proxy->delay_ms = milliseconds;
}
