/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-bench"

/* Runs confab-server as a separate process for one scenario and reads its cost from /proc. */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>

#include "confab-bench.h"

/* Tens of thousands of sockets on each side: take the hard limit. The server inherits it. */
void
bench_raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

gboolean
bench_server_start (BenchServer  *server,
                    const char   *path,
                    int           cpu,
                    GError      **error)
{
  int out[2];
  pid_t pid;
  char line[256];
  gsize length = 0;
  const char *prefix = "Listening on ws://127.0.0.1:";
  guint64 port;

  memset (server, 0, sizeof *server);
  server->stdout_fd = -1;

  if (pipe2 (out, O_CLOEXEC) < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "pipe: %s",
                   g_strerror (errno));
      return FALSE;
    }

  pid = fork ();
  if (pid < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "fork: %s",
                   g_strerror (errno));
      close (out[0]);
      close (out[1]);
      return FALSE;
    }

  if (pid == 0)
    {
      /* Never outlive the bench, even if it crashes. */
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (cpu >= 0)
        {
          cpu_set_t set;

          CPU_ZERO (&set);
          CPU_SET (cpu, &set);
          sched_setaffinity (0, sizeof set, &set);
        }
      dup2 (out[1], STDOUT_FILENO);
      execl (path, path, "--listen", "127.0.0.1:0",
             "--api-key", BENCH_API_KEY, "--api-secret", BENCH_API_SECRET,
             "--max-connections", "20000", "--resume-window", "60",
             (char *) NULL);
      fprintf (stderr, "confab-bench: cannot run %s: %s\n", path, g_strerror (errno));
      _exit (127);
    }

  close (out[1]);
  server->pid = pid;
  server->stdout_fd = out[0];

  /* The first line names the port; one byte at a time so nothing after it is consumed. */
  while (length < sizeof line - 1)
    {
      ssize_t n = read (out[0], line + length, 1);

      if (n <= 0)
        break;
      if (line[length] == '\n')
        break;
      length++;
    }
  line[length] = '\0';

  if (!g_str_has_prefix (line, prefix) ||
      !g_ascii_string_to_unsigned (line + strlen (prefix), 10, 1, G_MAXUINT16, &port, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s did not start: its first line was '%s'", path, line);
      bench_server_stop (server);
      return FALSE;
    }

  server->port = port;
  return TRUE;
}

void
bench_server_stop (BenchServer *server)
{
  int status;

  if (server->pid > 0)
    {
      kill (server->pid, SIGTERM);
      for (int i = 0; i < 500; i++)
        {
          if (waitpid (server->pid, &status, WNOHANG) == server->pid)
            {
              server->pid = 0;
              break;
            }
          g_usleep (10000);
        }
      if (server->pid > 0)
        {
          g_printerr ("confab-bench: the server did not stop within 5 s of SIGTERM; killing it\n");
          kill (server->pid, SIGKILL);
          waitpid (server->pid, &status, 0);
          server->pid = 0;
        }
    }

  if (server->stdout_fd >= 0)
    close (server->stdout_fd);
  server->stdout_fd = -1;
}

double
bench_server_cpu_time (BenchServer *server)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", server->pid);
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;

  /* The command name may hold spaces; the fields after it are fixed: utime is the 14th
   * field of the whole line, the 12th after the name. */
  after_name = strrchr (contents, ')');
  if (after_name == NULL)
    return 0;
  fields = g_strsplit (after_name + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return 0;

  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
         sysconf (_SC_CLK_TCK);
}

guint64
bench_server_rss (BenchServer *server)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", server->pid);
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;

  line = strstr (contents, "\nVmRSS:");
  if (line == NULL)
    return 0;

  return g_ascii_strtoull (line + 7 + strspn (line + 7, " \t"), NULL, 10);
}
