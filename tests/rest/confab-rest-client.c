/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-rest-client"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "confab.h"

/* A libconfab client for the OpenTok SDK interoperability test:
 *
 *   confab-rest-client SERVER_URL SESSION_ID TOKEN
 *
 * joins the session and prints one JSON object per line for what it sees ("connected",
 * "signal", "connection-created", "connection-destroyed", "disconnected", "error"). It leaves
 * when its standard input closes, and exits when the session is over for it. */

static GMainLoop *loop;
static guint stdin_id;
static int exit_status = EXIT_SUCCESS;

static void
print_event (const char *event,
             ...) G_GNUC_NULL_TERMINATED;

/* Prints {"event":EVENT, name: value, …}; a NULL value prints as null. */
static void
print_event (const char *event,
             ...)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *line = NULL;
  const char *name;
  va_list args;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, event);

  va_start (args, event);
  while ((name = va_arg (args, const char *)) != NULL)
    {
      const char *value = va_arg (args, const char *);

      json_builder_set_member_name (builder, name);
      if (value != NULL)
        json_builder_add_string_value (builder, value);
      else
        json_builder_add_null_value (builder);
    }
  va_end (args);

  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  line = json_to_string (node, FALSE);
  printf ("%s\n", line);
  fflush (stdout);
}

static void
on_signal (ConfabSession    *session,
           const char       *type,
           const char       *data,
           ConfabConnection *from,
           gboolean          direct,
           gpointer          user_data)
{
  print_event ("signal", "type", type, "data", data,
               "from", from ? confab_connection_get_id (from) : NULL, NULL);
}

static void
on_connection_created (ConfabSession    *session,
                       ConfabConnection *connection,
                       gpointer          user_data)
{
  print_event ("connection-created", "connection_id", confab_connection_get_id (connection),
               "data", confab_connection_get_data (connection), NULL);
}

static void
on_connection_destroyed (ConfabSession          *session,
                         ConfabConnection       *connection,
                         ConfabDisconnectReason  reason,
                         gpointer                user_data)
{
  print_event ("connection-destroyed", "connection_id", confab_connection_get_id (connection),
               "reason", confab_disconnect_reason_to_string (reason), NULL);
}

static void
on_disconnected (ConfabSession          *session,
                 ConfabDisconnectReason  reason,
                 gpointer                user_data)
{
  print_event ("disconnected", "reason", confab_disconnect_reason_to_string (reason), NULL);
  g_main_loop_quit (loop);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ConfabSession *session = CONFAB_SESSION (source);
  g_autoptr(GError) error = NULL;
  ConfabConnection *own;

  if (!confab_session_connect_finish (session, result, &error))
    {
      print_event ("error", "message", error->message, NULL);
      exit_status = EXIT_FAILURE;
      g_main_loop_quit (loop);
      return;
    }

  own = confab_session_get_connection (session);
  print_event ("connected", "connection_id", confab_connection_get_id (own),
               "data", confab_connection_get_data (own), NULL);
}

static gboolean
on_stdin (int           fd,
          GIOCondition  condition,
          gpointer      user_data)
{
  char buffer[256];

  if ((condition & G_IO_IN) != 0 && read (fd, buffer, sizeof buffer) > 0)
    return G_SOURCE_CONTINUE;

  /* The test is done with us: leave as a client does. */
  stdin_id = 0;
  confab_session_disconnect (CONFAB_SESSION (user_data));
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(ConfabSession) session = NULL;

  if (argc != 4)
    {
      fprintf (stderr, "usage: confab-rest-client SERVER_URL SESSION_ID TOKEN\n");
      return EXIT_FAILURE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  session = confab_session_new (argv[1], argv[2]);
  g_signal_connect (session, "signal", G_CALLBACK (on_signal), NULL);
  g_signal_connect (session, "connection-created", G_CALLBACK (on_connection_created), NULL);
  g_signal_connect (session, "connection-destroyed", G_CALLBACK (on_connection_destroyed), NULL);
  g_signal_connect (session, "disconnected", G_CALLBACK (on_disconnected), NULL);
  stdin_id = g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, session);

  confab_session_connect_async (session, argv[3], NULL, on_connected, NULL);
  g_main_loop_run (loop);

  g_clear_handle_id (&stdin_id, g_source_remove);
  g_main_loop_unref (loop);
  return exit_status;
}
