/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-cli-events"

#include "config.h"

#include <string.h>

#include "confab-cli-private.h"

/* What the session tells us, printed one line per event: JSON objects for scripts
 * (`connect`, `listen --json`), or a readable line for a person (`listen`). */

/* ---- JSON ---- */

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  cli_print_line (text);
}

static JsonBuilder *
begin_event (const char *name)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, name);
  return builder;
}

static void
end_event (JsonBuilder *builder)
{
  json_builder_end_object (builder);
  print_json (builder);
}

static void
add_connection (JsonBuilder      *builder,
                ConfabConnection *connection)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, confab_connection_get_id (connection));
  json_builder_set_member_name (builder, "data");
  json_builder_add_string_value (builder, confab_connection_get_data (connection));
  json_builder_set_member_name (builder, "creation_time");
  json_builder_add_int_value (builder, confab_connection_get_creation_time (connection));
  json_builder_end_object (builder);
}

static void
add_ref (JsonBuilder *builder,
         JsonNode    *ref)
{
  json_builder_set_member_name (builder, "ref");
  if (ref != NULL)
    json_builder_add_value (builder, json_node_copy (ref));
  else
    json_builder_add_null_value (builder);
}

/* ---- Human ---- */

/* Control characters would break the one-event-one-line shape; show them escaped. */
static void
append_visible (GString    *out,
                const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = *p;

      if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, c);
    }
}

static void
append_who (GString          *out,
            ConfabConnection *connection)
{
  const char *data;

  if (connection == NULL)
    {
      g_string_append (out, "(server)");
      return;
    }

  data = confab_connection_get_data (connection);
  if (data == NULL || *data == '\0')
    data = confab_connection_get_id (connection);
  append_visible (out, data);
}

/* Starts a line: the local time and the event, padded so names line up. */
static GString *
begin_line (const char *event)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (now, "%H:%M:%S");
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%s  %-12s  ", time, event);
  return out;
}

static void
end_line (GString *out)
{
  g_autofree char *line = NULL;

  /* Trailing spaces from the padding of events with no text. */
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  line = g_string_free (out, FALSE);
  cli_print_line (line);
}

static const char *
describe_reason (ConfabDisconnectReason reason)
{
  switch (reason)
    {
    case CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED:
      return "(connection lost)";
    case CONFAB_DISCONNECT_REASON_FORCE_DISCONNECTED:
      return "(removed by a moderator)";
    case CONFAB_DISCONNECT_REASON_CLIENT_DISCONNECTED:
    default:
      return "";
    }
}

/* ---- Events ---- */

/* Announces the join: this connection and everyone in the session, this one included. */
static void
print_connected (ConfabCli *cli)
{
  ConfabConnection *own = confab_session_get_connection (cli->session);
  GListModel *connections = confab_session_get_connections (cli->session);
  guint n_items = g_list_model_get_n_items (connections);

  if (cli->output == CLI_OUTPUT_JSON)
    {
      g_autoptr(JsonBuilder) builder = begin_event ("connected");

      json_builder_set_member_name (builder, "connection");
      add_connection (builder, own);
      json_builder_set_member_name (builder, "connections");
      json_builder_begin_array (builder);
      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(ConfabConnection) connection = g_list_model_get_item (connections, i);

          add_connection (builder, connection);
        }
      json_builder_end_array (builder);
      end_event (builder);
    }
  else if (cli->output == CLI_OUTPUT_HUMAN)
    {
      GString *out = begin_line ("connected");
      guint n_others = 0;

      append_who (out, own);
      g_string_append_printf (out, "  joined as %s; ", confab_connection_get_id (own));
      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(ConfabConnection) connection = g_list_model_get_item (connections, i);

          if (connection == own)
            continue;
          g_string_append (out, n_others == 0 ? "also here: " : ", ");
          append_who (out, connection);
          n_others++;
        }
      if (n_others == 0)
        g_string_append (out, "nobody else is here");
      end_line (out);
    }
}

/**
 * cli_events_print_accepted:
 * @cli: the program
 * @ref: (nullable): the command's "ref"
 *
 * Reports that the server accepted a command.
 */
void
cli_events_print_accepted (ConfabCli *cli,
                           JsonNode  *ref)
{
  g_autoptr(JsonBuilder) builder = begin_event ("accepted");

  add_ref (builder, ref);
  end_event (builder);
}

/**
 * cli_events_print_error:
 * @cli: the program
 * @ref: (nullable): the command's "ref", if one could be read
 * @code: an HTTP-like status, as on the wire
 * @message: a sentence
 *
 * Reports a command that failed or could not be read.
 */
void
cli_events_print_error (ConfabCli  *cli,
                        JsonNode   *ref,
                        guint       code,
                        const char *message)
{
  g_autoptr(JsonBuilder) builder = begin_event ("error");

  add_ref (builder, ref);
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  end_event (builder);
}

static void
on_state_changed (ConfabSession *session,
                  GParamSpec    *pspec,
                  ConfabCli     *cli)
{
  /* The first time the session is connected, its connections model is complete: announce
   * the join with it. This runs before the join's callback, so nothing can come first. */
  if (cli->joined || confab_session_get_state (session) != CONFAB_SESSION_STATE_CONNECTED)
    return;

  cli->joined = TRUE;
  print_connected (cli);
}

static void
on_signal (ConfabSession    *session,
           const char       *type,
           const char       *data,
           ConfabConnection *from,
           gboolean          direct,
           ConfabCli        *cli)
{
  if (cli->output == CLI_OUTPUT_JSON)
    {
      g_autoptr(JsonBuilder) builder = begin_event ("signal");

      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, type);
      json_builder_set_member_name (builder, "data");
      json_builder_add_string_value (builder, data);
      json_builder_set_member_name (builder, "from");
      if (from != NULL)
        json_builder_add_string_value (builder, confab_connection_get_id (from));
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "direct");
      json_builder_add_boolean_value (builder, direct);
      end_event (builder);
    }
  else if (cli->output == CLI_OUTPUT_HUMAN)
    {
      GString *out = begin_line ("signal");

      append_who (out, from);
      g_string_append (out, direct ? "  (to you) " : "  ");
      if (type != NULL && *type != '\0')
        g_string_append_printf (out, "[%s] ", type);
      append_visible (out, data);
      end_line (out);
    }
}

static void
on_connection_created (ConfabSession    *session,
                       ConfabConnection *connection,
                       ConfabCli        *cli)
{
  /* Those already there when we join are listed in "connected". */
  if (!cli->joined)
    return;

  if (cli->output == CLI_OUTPUT_JSON)
    {
      g_autoptr(JsonBuilder) builder = begin_event ("connection-created");

      json_builder_set_member_name (builder, "connection");
      add_connection (builder, connection);
      end_event (builder);
    }
  else if (cli->output == CLI_OUTPUT_HUMAN)
    {
      GString *out = begin_line ("joined");

      append_who (out, connection);
      end_line (out);
    }
}

static void
on_connection_destroyed (ConfabSession          *session,
                         ConfabConnection       *connection,
                         ConfabDisconnectReason  reason,
                         ConfabCli              *cli)
{
  if (cli->output == CLI_OUTPUT_JSON)
    {
      g_autoptr(JsonBuilder) builder = begin_event ("connection-destroyed");

      json_builder_set_member_name (builder, "connection_id");
      json_builder_add_string_value (builder, confab_connection_get_id (connection));
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, confab_disconnect_reason_to_string (reason));
      end_event (builder);
    }
  else if (cli->output == CLI_OUTPUT_HUMAN)
    {
      GString *out = begin_line ("left");

      append_who (out, connection);
      g_string_append_printf (out, "  %s", describe_reason (reason));
      end_line (out);
    }
}

static void
on_reconnecting (ConfabSession *session,
                 ConfabCli     *cli)
{
  if (cli->output == CLI_OUTPUT_JSON)
    {
      g_autoptr(JsonBuilder) builder = begin_event ("reconnecting");

      end_event (builder);
    }
  else if (cli->output == CLI_OUTPUT_HUMAN)
    {
      GString *out = begin_line ("reconnecting");

      g_string_append (out, "the link to the server dropped; trying again");
      end_line (out);
    }
}

static void
on_reconnected (ConfabSession *session,
                gboolean       resumed,
                ConfabCli     *cli)
{
  if (cli->output == CLI_OUTPUT_JSON)
    {
      g_autoptr(JsonBuilder) builder = begin_event ("reconnected");

      json_builder_set_member_name (builder, "resumed");
      json_builder_add_boolean_value (builder, resumed);
      /* After a fresh join this is a new connection: scripts need its id. */
      json_builder_set_member_name (builder, "connection");
      add_connection (builder, confab_session_get_connection (session));
      end_event (builder);
    }
  else if (cli->output == CLI_OUTPUT_HUMAN)
    {
      ConfabConnection *own = confab_session_get_connection (session);
      GString *out = begin_line ("reconnected");

      append_who (out, own);
      if (resumed)
        g_string_append (out, "  resumed; nothing was missed");
      else
        g_string_append_printf (out, "  joined again as %s; events while away are lost",
                                confab_connection_get_id (own));
      end_line (out);
    }
}

static void
on_queued_signals_changed (ConfabSession *session,
                           GParamSpec    *pspec,
                           ConfabCli     *cli)
{
  guint count = confab_session_get_queued_signals (session);

  if (cli->output == CLI_OUTPUT_JSON)
    {
      g_autoptr(JsonBuilder) builder = begin_event ("queued");

      json_builder_set_member_name (builder, "count");
      json_builder_add_int_value (builder, count);
      end_event (builder);
    }
  else if (cli->output == CLI_OUTPUT_HUMAN)
    {
      GString *out = begin_line ("queued");

      g_string_append_printf (out, "%u signal(s) wait for the link to come back", count);
      end_line (out);
    }
}

static void
on_disconnected (ConfabSession          *session,
                 ConfabDisconnectReason  reason,
                 ConfabCli              *cli)
{
  if (cli->output == CLI_OUTPUT_JSON)
    {
      g_autoptr(JsonBuilder) builder = begin_event ("disconnected");

      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, confab_disconnect_reason_to_string (reason));
      end_event (builder);
    }
  else if (cli->output == CLI_OUTPUT_HUMAN)
    {
      GString *out = begin_line ("disconnected");

      if (cli->leaving)
        g_string_append (out, "you left the session");
      else if (reason == CONFAB_DISCONNECT_REASON_FORCE_DISCONNECTED)
        g_string_append (out, "a moderator removed you from the session");
      else
        g_string_append (out, "the session could not be reached again");
      end_line (out);
    }

  /* Only our own leave ends well. */
  if (!cli->leaving)
    {
      cli_connect_shutdown (cli);
      cli_finish (cli, CLI_EXIT_FAILURE);
    }
}

/**
 * cli_events_attach:
 * @cli: the program, with its session
 *
 * Prints the session's events from now on, in @cli's output mode.
 */
void
cli_events_attach (ConfabCli *cli)
{
  ConfabSession *session = cli->session;

  g_signal_connect (session, "notify::state", G_CALLBACK (on_state_changed), cli);
  g_signal_connect (session, "notify::queued-signals",
                    G_CALLBACK (on_queued_signals_changed), cli);
  g_signal_connect (session, "signal", G_CALLBACK (on_signal), cli);
  g_signal_connect (session, "connection-created", G_CALLBACK (on_connection_created), cli);
  g_signal_connect (session, "connection-destroyed",
                    G_CALLBACK (on_connection_destroyed), cli);
  g_signal_connect (session, "reconnecting", G_CALLBACK (on_reconnecting), cli);
  g_signal_connect (session, "reconnected", G_CALLBACK (on_reconnected), cli);
  g_signal_connect (session, "disconnected", G_CALLBACK (on_disconnected), cli);
}

/**
 * cli_events_detach:
 * @cli: the program, with its session
 *
 * Stops printing events: the program is about to drop its session.
 */
void
cli_events_detach (ConfabCli *cli)
{
  g_signal_handlers_disconnect_by_data (cli->session, cli);
}
