/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-random"

#include "config.h"

#include <sys/random.h>

#include "confab-random-private.h"

/*
 * confab_random_hex:
 *
 * Hex digits of @n_bytes from the kernel's random source. Resume keys and nonces are secrets:
 * they must not be guessable from the ids the same process hands out, which GLib's
 * (non-cryptographic) generator would allow.
 */
char *
confab_random_hex (guint n_bytes)
{
  g_autofree guint8 *bytes = g_malloc (n_bytes);
  GString *out = g_string_sized_new (n_bytes * 2);
  gsize filled = 0;

  while (filled < n_bytes)
    {
      gssize n = getrandom (bytes + filled, n_bytes - filled, 0);

      if (n < 0)
        g_error ("The system's random source failed");
      filled += n;
    }

  for (guint i = 0; i < n_bytes; i++)
    g_string_append_printf (out, "%02x", bytes[i]);

  return g_string_free (out, FALSE);
}
