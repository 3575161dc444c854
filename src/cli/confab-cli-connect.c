/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-cli-connect"

#include "config.h"

#include <string.h>

#include <gio/gunixinputstream.h>

#include "confab-cli-private.h"

/* confab-cli connect: JSON lines both ways. Commands are read from standard input without
 * blocking the main loop, so events keep flowing while a script thinks; each command that
 * goes to the server is answered by an "accepted" or an "error" event carrying its "ref". */

#define STATUS_BAD_REQUEST 400

static const char *signal_fields[] = { "op", "ref", "type", "data", "to",
                                       "retry_after_reconnect", NULL };
static const char *force_disconnect_fields[] = { "op", "ref", "connection_id", NULL };
static const char *leave_fields[] = { "op", "ref", NULL };

/* A command sent to the server, waiting for its answer. */
typedef struct {
  ConfabCli *cli;
  JsonNode  *ref;
} Command;

static Command *
command_new (ConfabCli *cli,
             JsonNode  *ref)
{
  Command *command = g_new0 (Command, 1);

  command->cli = cli;
  command->ref = ref ? json_node_copy (ref) : NULL;
  cli->pending++;
  return command;
}

static void
command_free (Command *command)
{
  g_clear_pointer (&command->ref, json_node_unref);
  g_free (command);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Command, command_free)

static void read_next_line (ConfabCli *cli);

/* Leaves once input is over and every command has its answer. */
static void
maybe_leave (ConfabCli *cli)
{
  if (cli->input_done && cli->pending == 0 && !cli->leaving && !cli->done)
    cli_leave (cli, CLI_EXIT_OK);
}

/**
 * cli_connect_shutdown:
 * @cli: the program
 *
 * Stops reading commands: the program is leaving.
 */
void
cli_connect_shutdown (ConfabCli *cli)
{
  cli->input_done = TRUE;
  if (cli->input_cancellable != NULL)
    g_cancellable_cancel (cli->input_cancellable);
}

static void
command_done (Command      *command,
              const GError *error)
{
  ConfabCli *cli = command->cli;

  if (error != NULL)
    cli_events_print_error (cli, command->ref, confab_error_to_status (error), error->message);
  else
    cli_events_print_accepted (cli, command->ref);

  g_assert (cli->pending > 0);
  cli->pending--;
  maybe_leave (cli);
}

static void
on_signal_sent (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Command) command = user_data;
  g_autoptr(GError) error = NULL;

  confab_session_send_signal_finish (CONFAB_SESSION (source), result, &error);
  command_done (command, error);
}

static void
on_force_disconnected (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(Command) command = user_data;
  g_autoptr(GError) error = NULL;

  confab_session_force_disconnect_finish (CONFAB_SESSION (source), result, &error);
  command_done (command, error);
}

/* ---- Reading a command ---- */

static gboolean
check_fields (JsonObject  *object,
              const char  *op,
              const char **allowed,
              GError     **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  /* A misspelt field must not change the meaning silently: "too" for "to" would broadcast. */
  for (GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (allowed, l->data))
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                       "Unknown field “%s” in a “%s” command", (const char *) l->data, op);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
get_string_field (JsonObject  *object,
                  const char  *name,
                  gboolean     required,
                  gboolean     nullable,
                  const char **value,
                  GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = NULL;
  if (node == NULL && !required)
    return TRUE;
  if (node != NULL && nullable && JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (node == NULL)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                   "The command needs “%s”, a string", name);
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                   "“%s” must be a string%s", name, nullable ? " or null" : "");
      return FALSE;
    }

  *value = json_node_get_string (node);
  return TRUE;
}

static gboolean
get_boolean_field (JsonObject  *object,
                   const char  *name,
                   gboolean     default_value,
                   gboolean    *value,
                   GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = default_value;
  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                   "“%s” must be true or false", name);
      return FALSE;
    }

  *value = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
run_signal (ConfabCli   *cli,
            JsonObject  *object,
            JsonNode    *ref,
            GError     **error)
{
  const char *type;
  const char *data;
  const char *to;
  gboolean retry;

  if (!check_fields (object, "signal", signal_fields, error) ||
      !get_string_field (object, "type", FALSE, FALSE, &type, error) ||
      !get_string_field (object, "data", FALSE, FALSE, &data, error) ||
      !get_string_field (object, "to", FALSE, TRUE, &to, error) ||
      !get_boolean_field (object, "retry_after_reconnect", TRUE, &retry, error))
    return FALSE;

  /* An invalid type or data comes back through the callback, like a refusal by the server. */
  confab_session_send_signal_async (cli->session, type, data, to, retry, NULL,
                                    on_signal_sent, command_new (cli, ref));
  return TRUE;
}

static gboolean
run_force_disconnect (ConfabCli   *cli,
                      JsonObject  *object,
                      JsonNode    *ref,
                      GError     **error)
{
  const char *connection_id;

  if (!check_fields (object, "force-disconnect", force_disconnect_fields, error) ||
      !get_string_field (object, "connection_id", TRUE, FALSE, &connection_id, error))
    return FALSE;

  confab_session_force_disconnect_async (cli->session, connection_id, NULL,
                                         on_force_disconnected, command_new (cli, ref));
  return TRUE;
}

static gboolean
run_leave (ConfabCli   *cli,
           JsonObject  *object,
           GError     **error)
{
  if (!check_fields (object, "leave", leave_fields, error))
    return FALSE;

  cli_connect_shutdown (cli);
  maybe_leave (cli);
  return TRUE;
}

static gboolean
is_blank (const char *line)
{
  for (const char *p = line; *p != '\0'; p++)
    {
      if (!g_ascii_isspace (*p))
        return FALSE;
    }

  return TRUE;
}

static void
handle_line (ConfabCli *cli,
             char      *line,
             gsize      length)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  JsonNode *root;
  JsonNode *ref;
  const char *op;
  gboolean ok;

  cli->line_number++;

  if (length > 0 && line[length - 1] == '\r')
    line[--length] = '\0';

  if (!g_utf8_validate_len (line, length, NULL))
    {
      g_autofree char *message =
        g_strdup_printf ("Line %" G_GUINT64_FORMAT " is not valid UTF-8", cli->line_number);

      cli_events_print_error (cli, NULL, STATUS_BAD_REQUEST, message);
      return;
    }

  /* Blank lines are allowed, to make hand-typed input easy to read. */
  if (is_blank (line))
    return;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, line, length, &error))
    {
      g_autofree char *message =
        g_strdup_printf ("Line %" G_GUINT64_FORMAT " is not JSON: %s",
                         cli->line_number, error->message);

      cli_events_print_error (cli, NULL, STATUS_BAD_REQUEST, message);
      return;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_autofree char *message =
        g_strdup_printf ("Line %" G_GUINT64_FORMAT " is not a JSON object; a command looks "
                         "like {\"op\":\"signal\",\"data\":\"hi\"}", cli->line_number);

      cli_events_print_error (cli, NULL, STATUS_BAD_REQUEST, message);
      return;
    }

  object = json_node_get_object (root);
  ref = json_object_get_member (object, "ref");

  if (!get_string_field (object, "op", TRUE, FALSE, &op, &error))
    ok = FALSE;
  else if (strcmp (op, "signal") == 0)
    ok = run_signal (cli, object, ref, &error);
  else if (strcmp (op, "force-disconnect") == 0)
    ok = run_force_disconnect (cli, object, ref, &error);
  else if (strcmp (op, "leave") == 0)
    ok = run_leave (cli, object, &error);
  else
    {
      g_set_error (&error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                   "Unknown op “%s”; use signal, force-disconnect or leave", op);
      ok = FALSE;
    }

  if (!ok)
    {
      g_autofree char *message =
        g_strdup_printf ("%s (line %" G_GUINT64_FORMAT ")", error->message, cli->line_number);

      cli_events_print_error (cli, ref, STATUS_BAD_REQUEST, message);
    }
}

static void
on_line_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ConfabCli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gsize length = 0;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, &length,
                                               &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || cli->input_done)
    return;

  if (line == NULL)
    {
      /* A read error ends the input as its end would: finish what is pending and leave. */
      if (error != NULL)
        cli_print_error ("cannot read standard input: %s", error->message);
      cli->input_done = TRUE;
      maybe_leave (cli);
      return;
    }

  handle_line (cli, line, length);
  if (!cli->input_done)
    read_next_line (cli);
}

static void
read_next_line (ConfabCli *cli)
{
  g_data_input_stream_read_line_async (cli->input, G_PRIORITY_DEFAULT, cli->input_cancellable,
                                       on_line_read, cli);
}

static void
on_joined (ConfabCli    *cli,
           const GError *error)
{
  g_autoptr(GInputStream) stdin_stream = NULL;

  if (error != NULL)
    {
      cli_finish (cli, CLI_EXIT_FAILURE);
      return;
    }

  /* Commands are read only once joined, so none fails for being early. */
  stdin_stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  cli->input = g_data_input_stream_new (stdin_stream);
  g_data_input_stream_set_newline_type (cli->input, G_DATA_STREAM_NEWLINE_TYPE_LF);
  cli->input_cancellable = g_cancellable_new ();
  read_next_line (cli);
}

int
cli_run_connect (ConfabCli *cli)
{
  if (cli->args[0] != NULL)
    return cli_usage_error ("connect takes no arguments, not “%s”; commands come on standard "
                            "input", cli->args[0]);

  cli->output = CLI_OUTPUT_JSON;
  cli_join (cli, on_joined);
  g_main_loop_run (cli->loop);

  return cli->status;
}
