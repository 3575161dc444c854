/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-signal"

#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-signal.h"

/**
 * confab_signal_validate_type:
 * @type: (nullable): a signal type; %NULL counts as empty
 * @error: return location for a #GError
 *
 * Checks @type against the signaling contract: at most
 * %CONFAB_SIGNAL_TYPE_MAX_LENGTH bytes of `A–Z a–z 0–9 - _ ~`. The empty type is allowed.
 *
 * Returns: %TRUE if @type may be sent
 */
gboolean
confab_signal_validate_type (const char  *type,
                             GError     **error)
{
  gsize length;

  if (type == NULL)
    return TRUE;

  length = strlen (type);
  if (length > CONFAB_SIGNAL_TYPE_MAX_LENGTH)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_SIGNAL_TYPE_TOO_LONG,
                   "The signal type is %" G_GSIZE_FORMAT " bytes long; the limit is %d",
                   length, CONFAB_SIGNAL_TYPE_MAX_LENGTH);
      return FALSE;
    }

  for (gsize i = 0; i < length; i++)
    {
      char c = type[i];

      if (!g_ascii_isalnum (c) && c != '-' && c != '_' && c != '~')
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_SIGNAL_TYPE,
                       "The signal type may only hold letters, digits, '-', '_' and '~'");
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * confab_signal_validate_data:
 * @data: (nullable): signal data; %NULL counts as empty
 * @length: the length of @data in bytes, or -1 if it is nul-terminated
 * @error: return location for a #GError
 *
 * Checks @data against the signaling contract: valid UTF-8 of at most
 * %CONFAB_SIGNAL_DATA_MAX_LENGTH bytes.
 *
 * Returns: %TRUE if @data may be sent
 */
gboolean
confab_signal_validate_data (const char  *data,
                             gssize       length,
                             GError     **error)
{
  if (data == NULL)
    return TRUE;

  if (length < 0)
    length = strlen (data);

  if (length > CONFAB_SIGNAL_DATA_MAX_LENGTH)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_SIGNAL_DATA_TOO_LONG,
                   "The signal data is %" G_GSSIZE_FORMAT " bytes long; the limit is %d",
                   length, CONFAB_SIGNAL_DATA_MAX_LENGTH);
      return FALSE;
    }

  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                           "The signal data is not valid UTF-8");
      return FALSE;
    }

  return TRUE;
}
