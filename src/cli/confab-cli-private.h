/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "confab.h"

G_BEGIN_DECLS

/* Exit statuses: 0 done, 1 the session or the server said no, 2 the command line was wrong. */
#define CLI_EXIT_OK      0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE   2

typedef enum {
  CLI_OUTPUT_NONE,   /* send: only errors, on stderr */
  CLI_OUTPUT_HUMAN,  /* listen: one readable line per event */
  CLI_OUTPUT_JSON,   /* connect, listen --json: one JSON object per line */
} CliOutput;

typedef struct _ConfabCli ConfabCli;

typedef void (*CliJoinedFunc) (ConfabCli    *cli,
                               const GError *error);

struct _ConfabCli
{
  /* Options, shared by every command; each command reads the ones it declares. */
  char              *server_url;
  char              *token;
  char              *session_id;
  char              *to;
  char              *type;
  gboolean           json;
  gboolean           version;
  char             **args;           /* positional arguments after the command word */
  char              *send_data;      /* send: the signal data */

  CliOutput          output;
  GMainLoop         *loop;
  ConfabSession     *session;
  CliJoinedFunc      joined_func;
  int                status;
  gboolean           joined;         /* the "connected" event went out */
  gboolean           leaving;        /* we asked to leave; "disconnected" is ours */
  gboolean           done;
  guint              sigint_id;
  guint              sigterm_id;

  /* connect: stdin, read line by line without blocking the main loop */
  GDataInputStream  *input;
  GCancellable      *input_cancellable;
  guint64            line_number;
  guint              pending;        /* sends and force-disconnects not answered yet */
  gboolean           input_done;
};

/* confab-cli.c */
void     cli_print_line        (const char    *line);
void     cli_print_error       (const char    *format,
                                ...) G_GNUC_PRINTF (1, 2);
int      cli_usage_error       (const char    *format,
                                ...) G_GNUC_PRINTF (1, 2);
void     cli_print_gerror      (const char    *context,
                                const GError  *error);
void     cli_join              (ConfabCli     *cli,
                                CliJoinedFunc  joined_func);
void     cli_leave             (ConfabCli     *cli,
                                int            status);
void     cli_finish            (ConfabCli     *cli,
                                int            status);

/* confab-cli-events.c */
void     cli_events_attach     (ConfabCli     *cli);
void     cli_events_detach     (ConfabCli     *cli);
void     cli_events_print_accepted (ConfabCli *cli,
                                JsonNode      *ref);
void     cli_events_print_error (ConfabCli    *cli,
                                JsonNode      *ref,
                                guint          code,
                                const char    *message);

/* One file per command. */
int      cli_run_send          (ConfabCli     *cli);
int      cli_run_listen        (ConfabCli     *cli);
int      cli_run_connect       (ConfabCli     *cli);
void     cli_connect_shutdown  (ConfabCli     *cli);

G_END_DECLS
