/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "confab-connection"

#include "config.h"

#include "confab-connection-private.h"

/**
 * ConfabConnection:
 *
 * One participant's join of a session, as every participant sees it: an id the server gave
 * it, the data its token carries (often a display name), and when it joined. Connections are
 * immutable; a participant who rejoins gets a new one.
 */
struct _ConfabConnection
{
  GObject  parent_instance;

  char    *id;
  char    *data;
  gint64   creation_time;
};

G_DEFINE_FINAL_TYPE (ConfabConnection, confab_connection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_DATA,
  PROP_CREATION_TIME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
confab_connection_finalize (GObject *object)
{
  ConfabConnection *self = CONFAB_CONNECTION (object);

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->data, g_free);

  G_OBJECT_CLASS (confab_connection_parent_class)->finalize (object);
}

static void
confab_connection_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ConfabConnection *self = CONFAB_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_DATA:
      g_value_set_string (value, self->data);
      break;

    case PROP_CREATION_TIME:
      g_value_set_int64 (value, self->creation_time);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_connection_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ConfabConnection *self = CONFAB_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;

    case PROP_DATA:
      self->data = g_value_dup_string (value);
      break;

    case PROP_CREATION_TIME:
      self->creation_time = g_value_get_int64 (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_connection_class_init (ConfabConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = confab_connection_finalize;
  object_class->get_property = confab_connection_get_property;
  object_class->set_property = confab_connection_set_property;

  /**
   * ConfabConnection:id:
   *
   * The id the server gave this connection; signals are sent to it.
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabConnection:data:
   *
   * The connection data of the token it joined with, such as a display name.
   */
  properties[PROP_DATA] =
    g_param_spec_string ("data", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ConfabConnection:creation-time:
   *
   * When it joined, in milliseconds since the epoch.
   */
  properties[PROP_CREATION_TIME] =
    g_param_spec_int64 ("creation-time", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
confab_connection_init (ConfabConnection *self)
{
}

ConfabConnection *
confab_connection_new_from_info (const ConfabConnectionInfo *info)
{
  return g_object_new (CONFAB_TYPE_CONNECTION,
                       "id", info->id,
                       "data", info->data ? info->data : "",
                       "creation-time", info->creation_time,
                       NULL);
}

/**
 * confab_connection_get_id:
 * @self: a #ConfabConnection
 *
 * Returns: the connection's id
 */
const char *
confab_connection_get_id (ConfabConnection *self)
{
  g_return_val_if_fail (CONFAB_IS_CONNECTION (self), NULL);

  return self->id;
}

/**
 * confab_connection_get_data:
 * @self: a #ConfabConnection
 *
 * Returns: the connection data from its token, "" if it had none
 */
const char *
confab_connection_get_data (ConfabConnection *self)
{
  g_return_val_if_fail (CONFAB_IS_CONNECTION (self), NULL);

  return self->data;
}

/**
 * confab_connection_get_creation_time:
 * @self: a #ConfabConnection
 *
 * Returns: when the connection joined, in milliseconds since the epoch
 */
gint64
confab_connection_get_creation_time (ConfabConnection *self)
{
  g_return_val_if_fail (CONFAB_IS_CONNECTION (self), 0);

  return self->creation_time;
}
