/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-message"

#include "config.h"

#include <glib/gi18n.h>

#include "confab-message.h"

/*
 * ConfabMessage:
 *
 * One line of a conversation. Kept small on purpose: a conversation may hold a hundred
 * thousand of them, and the list view only asks for the few it shows. Sender ids and names
 * are interned reference-counted strings, shared by every message of the same sender.
 */

/* Messages from one sender less than this far apart share one header. */
#define GROUP_SPAN_USEC (5 * G_TIME_SPAN_MINUTE)

struct _ConfabMessage
{
  GObject              parent_instance;

  char                *sender_id;    /* GRefString; NULL for the server */
  char                *sender_name;  /* GRefString */
  char                *text;
  gint64               time;         /* wall clock, µs */
  char                *error_message;
  char                *to;           /* GRefString: the recipient of one of ours, for a retry */
  ConfabMessageStatus  status : 4;
  guint                show_header : 1;
};

G_DEFINE_FINAL_TYPE (ConfabMessage, confab_message, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SENDER_NAME,
  PROP_TEXT,
  PROP_DISPLAY_TEXT,
  PROP_TIME_TEXT,
  PROP_TIME_TOOLTIP,
  PROP_IS_OWN,
  PROP_FROM_SERVER,
  PROP_SHOW_HEADER,
  PROP_STATUS,
  PROP_STATUS_ICON_NAME,
  PROP_STATUS_TEXT,
  PROP_ERROR_MESSAGE,
  PROP_FAILED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
status_icon_name (ConfabMessageStatus status)
{
  switch (status)
    {
    case CONFAB_MESSAGE_QUEUED:
      return "confab-message-queued-symbolic";
    case CONFAB_MESSAGE_SENT:
      return "confab-message-sent-symbolic";
    case CONFAB_MESSAGE_FAILED:
      return "dialog-error-symbolic";
    case CONFAB_MESSAGE_RECEIVED:
    default:
      return NULL;
    }
}

static const char *
status_text (ConfabMessageStatus status)
{
  switch (status)
    {
    case CONFAB_MESSAGE_QUEUED:
      return _("Queued");
    case CONFAB_MESSAGE_SENT:
      return _("Sent");
    case CONFAB_MESSAGE_FAILED:
      return _("Not sent");
    case CONFAB_MESSAGE_RECEIVED:
    default:
      return "";
    }
}

/* Unbroken runs longer than this get break opportunities when shown. */
#define LONG_RUN_CHARS 48

/* The text as shown. Pango lays out a line with no break opportunity in time that grows with
 * the square of its length: a pasted 8 KiB token would freeze the window. Zero-width spaces in
 * long unbroken runs let it wrap in linear time; the message itself is left as sent. */
static char *
dup_display_text (const char *text)
{
  GString *out = NULL;
  const char *run_start = text;
  guint run = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || c == 0x200B)
        {
          run = 0;
          continue;
        }

      if (++run > LONG_RUN_CHARS)
        {
          if (out == NULL)
            out = g_string_new (NULL);
          g_string_append_len (out, run_start, p - run_start);
          g_string_append (out, "\u200B");
          run_start = p;
          run = 1;
        }
    }

  if (out == NULL)
    return g_strdup (text);

  g_string_append (out, run_start);
  return g_string_free (out, FALSE);
}

static char *
format_time (ConfabMessage *self,
             const char    *format)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (self->time / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup ("");

  local = g_date_time_to_local (utc);
  return g_date_time_format (local, format);
}

static void
confab_message_finalize (GObject *object)
{
  ConfabMessage *self = CONFAB_MESSAGE (object);

  g_clear_pointer (&self->sender_id, g_ref_string_release);
  g_clear_pointer (&self->sender_name, g_ref_string_release);
  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->to, g_ref_string_release);

  G_OBJECT_CLASS (confab_message_parent_class)->finalize (object);
}

static void
confab_message_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ConfabMessage *self = CONFAB_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_SENDER_NAME:
      g_value_set_string (value, self->sender_name);
      break;

    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;

    case PROP_DISPLAY_TEXT:
      g_value_take_string (value, dup_display_text (self->text));
      break;

    case PROP_TIME_TEXT:
      /* Translators: the time a message was sent, as strftime() formats it */
      g_value_take_string (value, format_time (self, _("%H:%M")));
      break;

    case PROP_TIME_TOOLTIP:
      /* Translators: the full date and time of a message, as strftime() formats it */
      g_value_take_string (value, format_time (self, _("%A %e %B %Y, %H:%M:%S")));
      break;

    case PROP_IS_OWN:
      g_value_set_boolean (value, confab_message_get_is_own (self));
      break;

    case PROP_FROM_SERVER:
      g_value_set_boolean (value, self->sender_id == NULL);
      break;

    case PROP_SHOW_HEADER:
      g_value_set_boolean (value, self->show_header);
      break;

    case PROP_STATUS:
      g_value_set_int (value, self->status);
      break;

    case PROP_STATUS_ICON_NAME:
      g_value_set_string (value, status_icon_name (self->status));
      break;

    case PROP_STATUS_TEXT:
      g_value_set_string (value, status_text (self->status));
      break;

    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;

    case PROP_FAILED:
      g_value_set_boolean (value, self->status == CONFAB_MESSAGE_FAILED);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_message_class_init (ConfabMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = confab_message_finalize;
  object_class->get_property = confab_message_get_property;

  properties[PROP_SENDER_NAME] = g_param_spec_string ("sender-name", NULL, NULL, NULL, flags);
  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL, flags);
  properties[PROP_DISPLAY_TEXT] = g_param_spec_string ("display-text", NULL, NULL, NULL, flags);
  properties[PROP_TIME_TEXT] = g_param_spec_string ("time-text", NULL, NULL, NULL, flags);
  properties[PROP_TIME_TOOLTIP] = g_param_spec_string ("time-tooltip", NULL, NULL, NULL, flags);
  properties[PROP_IS_OWN] = g_param_spec_boolean ("is-own", NULL, NULL, FALSE, flags);
  properties[PROP_FROM_SERVER] = g_param_spec_boolean ("from-server", NULL, NULL, FALSE, flags);
  properties[PROP_SHOW_HEADER] = g_param_spec_boolean ("show-header", NULL, NULL, TRUE, flags);
  properties[PROP_STATUS] = g_param_spec_int ("status", NULL, NULL,
                                              CONFAB_MESSAGE_RECEIVED, CONFAB_MESSAGE_FAILED,
                                              CONFAB_MESSAGE_RECEIVED, flags);
  properties[PROP_STATUS_ICON_NAME] = g_param_spec_string ("status-icon-name", NULL, NULL,
                                                           NULL, flags);
  properties[PROP_STATUS_TEXT] = g_param_spec_string ("status-text", NULL, NULL, NULL, flags);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL,
                                                        flags);
  properties[PROP_FAILED] = g_param_spec_boolean ("failed", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
confab_message_init (ConfabMessage *self)
{
  self->show_header = TRUE;
}

/**
 * confab_message_new:
 * @sender_id: (nullable): the sender's connection id, or %NULL for the server itself
 * @sender_name: the name to show for the sender
 * @text: the message
 * @time: when it was sent or received, wall clock µs
 * @status: %CONFAB_MESSAGE_RECEIVED for someone else's, %CONFAB_MESSAGE_QUEUED for ours
 *
 * Returns: (transfer full): a new message
 */
ConfabMessage *
confab_message_new (const char          *sender_id,
                    const char          *sender_name,
                    const char          *text,
                    gint64               time,
                    ConfabMessageStatus  status)
{
  ConfabMessage *self = g_object_new (CONFAB_TYPE_MESSAGE, NULL);

  self->sender_id = sender_id ? g_ref_string_new_intern (sender_id) : NULL;
  self->sender_name = g_ref_string_new_intern (sender_name ? sender_name : "");
  self->text = g_strdup (text ? text : "");
  self->time = time;
  self->status = status;

  return self;
}

const char *
confab_message_get_sender_id (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), NULL);
  return self->sender_id;
}

const char *
confab_message_get_sender_name (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), NULL);
  return self->sender_name;
}

const char *
confab_message_get_text (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), NULL);
  return self->text;
}

gint64
confab_message_get_time (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), 0);
  return self->time;
}

gboolean
confab_message_get_is_own (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), FALSE);
  return self->status != CONFAB_MESSAGE_RECEIVED;
}

gboolean
confab_message_get_from_server (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), FALSE);
  return self->sender_id == NULL;
}

gboolean
confab_message_get_show_header (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), TRUE);
  return self->show_header;
}

void
confab_message_set_show_header (ConfabMessage *self,
                                gboolean       show_header)
{
  g_return_if_fail (CONFAB_IS_MESSAGE (self));

  show_header = !!show_header;
  if (self->show_header == (guint) show_header)
    return;

  self->show_header = show_header;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_HEADER]);
}

ConfabMessageStatus
confab_message_get_status (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), CONFAB_MESSAGE_RECEIVED);
  return self->status;
}

const char *
confab_message_get_error_message (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), NULL);
  return self->error_message;
}

/**
 * confab_message_set_status:
 * @self: a #ConfabMessage
 * @status: where the message stands now
 * @error_message: (nullable): the sentence saying why it failed
 */
void
confab_message_set_status (ConfabMessage       *self,
                           ConfabMessageStatus  status,
                           const char          *error_message)
{
  gboolean was_failed;

  g_return_if_fail (CONFAB_IS_MESSAGE (self));

  if (self->status == status && g_strcmp0 (self->error_message, error_message) == 0)
    return;

  was_failed = self->status == CONFAB_MESSAGE_FAILED;
  self->status = status;
  g_free (self->error_message);
  self->error_message = g_strdup (error_message);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_ICON_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_TEXT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
  if (was_failed != (status == CONFAB_MESSAGE_FAILED))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAILED]);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * confab_message_get_to:
 *
 * Returns: (nullable): the recipient of one of our messages, %NULL when sent to everyone
 */
const char *
confab_message_get_to (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), NULL);
  return self->to;
}

void
confab_message_set_to (ConfabMessage *self,
                       const char    *to)
{
  g_return_if_fail (CONFAB_IS_MESSAGE (self));

  g_clear_pointer (&self->to, g_ref_string_release);
  self->to = to ? g_ref_string_new_intern (to) : NULL;
}

/**
 * confab_message_continues:
 * @self: a #ConfabMessage
 * @previous: (nullable): the message before it
 *
 * Returns: %TRUE if @self belongs under @previous's header: same sender, soon after
 */
gboolean
confab_message_continues (ConfabMessage *self,
                          ConfabMessage *previous)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), FALSE);

  if (previous == NULL)
    return FALSE;

  /* Interned strings: equal names are the same pointer. */
  return previous->sender_id == self->sender_id &&
         previous->sender_name == self->sender_name &&
         self->time - previous->time < GROUP_SPAN_USEC &&
         self->time >= previous->time;
}
