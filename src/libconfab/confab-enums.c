/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-enums"

#include "config.h"

#include <string.h>

#include "confab-enums.h"

static const char * const reason_names[] = {
  [CONFAB_DISCONNECT_REASON_CLIENT_DISCONNECTED] = "clientDisconnected",
  [CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED] = "networkDisconnected",
  [CONFAB_DISCONNECT_REASON_FORCE_DISCONNECTED] = "forceDisconnected",
};

static const char * const role_names[] = {
  [CONFAB_ROLE_SUBSCRIBER] = "subscriber",
  [CONFAB_ROLE_PUBLISHER] = "publisher",
  [CONFAB_ROLE_MODERATOR] = "moderator",
  [CONFAB_ROLE_PUBLISHER_ONLY] = "publisheronly",
};

static gboolean
lookup_name (const char * const *names,
             guint               n_names,
             const char         *name,
             guint              *value)
{
  if (name == NULL)
    return FALSE;

  for (guint i = 0; i < n_names; i++)
    {
      if (strcmp (names[i], name) == 0)
        {
          *value = i;
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * confab_disconnect_reason_to_string:
 * @reason: a #ConfabDisconnectReason
 *
 * Returns: the wire name of @reason, such as `networkDisconnected`
 */
const char *
confab_disconnect_reason_to_string (ConfabDisconnectReason reason)
{
  g_return_val_if_fail (reason < G_N_ELEMENTS (reason_names), NULL);

  return reason_names[reason];
}

/**
 * confab_disconnect_reason_from_string:
 * @name: a wire name
 * @reason: (out): where to store the reason
 *
 * Returns: %TRUE if @name is a known reason
 */
gboolean
confab_disconnect_reason_from_string (const char             *name,
                                      ConfabDisconnectReason *reason)
{
  guint value;

  if (!lookup_name (reason_names, G_N_ELEMENTS (reason_names), name, &value))
    return FALSE;

  *reason = value;
  return TRUE;
}

/**
 * confab_role_to_string:
 * @role: a #ConfabRole
 *
 * Returns: the token name of @role, such as `publisher`
 */
const char *
confab_role_to_string (ConfabRole role)
{
  g_return_val_if_fail (role < G_N_ELEMENTS (role_names), NULL);

  return role_names[role];
}

/**
 * confab_role_from_string:
 * @name: a role name as tokens carry it
 * @role: (out): where to store the role
 *
 * Returns: %TRUE if @name is a known role
 */
gboolean
confab_role_from_string (const char *name,
                         ConfabRole *role)
{
  guint value;

  if (!lookup_name (role_names, G_N_ELEMENTS (role_names), name, &value))
    return FALSE;

  *role = value;
  return TRUE;
}

/**
 * confab_role_can_signal:
 * @role: a #ConfabRole
 *
 * Returns: %TRUE if a connection with @role may send signals
 */
gboolean
confab_role_can_signal (ConfabRole role)
{
  return role != CONFAB_ROLE_PUBLISHER_ONLY;
}
