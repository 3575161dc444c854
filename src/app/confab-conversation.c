/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-conversation"

#include "config.h"

#include <glib/gi18n.h>

#include "confab-conversation.h"

/*
 * ConfabConversation:
 *
 * What the sidebar shows as a row and the conversation view as a list: "Everyone" (the
 * broadcasts; connection id %NULL) or one participant (the direct messages both ways).
 * Messages live in a #GListStore the list view reads directly.
 */

/* A typing notice lasts this long unless renewed. */
#define TYPING_TIMEOUT_SECONDS 5

typedef struct {
  ConfabConversation *self;
  char               *name;
  guint               timeout_id;
} Typist;

struct _ConfabConversation
{
  GObject     parent_instance;

  char       *connection_id;
  char       *name;
  GListStore *messages;
  GPtrArray  *pending;   /* appended but not yet in messages */
  guint       flush_id;
  GHashTable *typists;   /* connection id → Typist */
  char       *typing_text;
  guint       unread_count;
  guint       is_self : 1;
  guint       present : 1;
  guint       can_remove : 1;
  guint       active : 1;
};

G_DEFINE_FINAL_TYPE (ConfabConversation, confab_conversation, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONNECTION_ID,
  PROP_NAME,
  PROP_TITLE,
  PROP_ICON_NAME,
  PROP_IS_EVERYONE,
  PROP_IS_SELF,
  PROP_MESSAGES,
  PROP_UNREAD_COUNT,
  PROP_UNREAD_LABEL,
  PROP_HAS_UNREAD,
  PROP_PRESENT,
  PROP_CAN_REMOVE,
  PROP_TYPING_TEXT,
  PROP_ACTIVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
typist_free (Typist *typist)
{
  g_clear_handle_id (&typist->timeout_id, g_source_remove);
  g_free (typist->name);
  g_free (typist);
}

static void
update_typing_text (ConfabConversation *self)
{
  g_autofree char *text = NULL;
  guint n = g_hash_table_size (self->typists);

  if (n == 1)
    {
      GHashTableIter iter;
      Typist *typist;

      g_hash_table_iter_init (&iter, self->typists);
      g_hash_table_iter_next (&iter, NULL, (gpointer *) &typist);
      /* Translators: %s is a participant's name */
      text = g_strdup_printf (_("%s is typing…"), typist->name);
    }
  else if (n == 2)
    {
      GHashTableIter iter;
      Typist *first, *second;

      g_hash_table_iter_init (&iter, self->typists);
      g_hash_table_iter_next (&iter, NULL, (gpointer *) &first);
      g_hash_table_iter_next (&iter, NULL, (gpointer *) &second);
      /* Translators: the two %s are participants' names */
      text = g_strdup_printf (_("%s and %s are typing…"), first->name, second->name);
    }
  else if (n > 2)
    {
      text = g_strdup (_("Several people are typing…"));
    }
  else
    {
      text = g_strdup ("");
    }

  if (g_strcmp0 (text, self->typing_text) == 0)
    return;

  g_free (self->typing_text);
  self->typing_text = g_steal_pointer (&text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TYPING_TEXT]);
}

static void
confab_conversation_dispose (GObject *object)
{
  ConfabConversation *self = CONFAB_CONVERSATION (object);

  if (self->typists != NULL)
    g_hash_table_remove_all (self->typists);
  g_clear_handle_id (&self->flush_id, g_source_remove);

  G_OBJECT_CLASS (confab_conversation_parent_class)->dispose (object);
}

static void
confab_conversation_finalize (GObject *object)
{
  ConfabConversation *self = CONFAB_CONVERSATION (object);

  g_clear_pointer (&self->connection_id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->typing_text, g_free);
  g_clear_pointer (&self->typists, g_hash_table_unref);
  g_clear_object (&self->messages);
  g_clear_pointer (&self->pending, g_ptr_array_unref);

  G_OBJECT_CLASS (confab_conversation_parent_class)->finalize (object);
}

static char *
dup_title (ConfabConversation *self)
{
  if (self->connection_id == NULL)
    return g_strdup (_("Everyone"));
  if (self->is_self)
    /* Translators: how you appear in the list of participants; %s is your name */
    return g_strdup_printf (_("%s (you)"), self->name);
  if (!self->present)
    /* Translators: a participant who has left; %s is their name */
    return g_strdup_printf (_("%s (left)"), self->name);
  return g_strdup (self->name);
}

static void
confab_conversation_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ConfabConversation *self = CONFAB_CONVERSATION (object);

  switch (prop_id)
    {
    case PROP_CONNECTION_ID:
      g_value_set_string (value, self->connection_id);
      break;

    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_TITLE:
      g_value_take_string (value, dup_title (self));
      break;

    case PROP_ICON_NAME:
      g_value_set_string (value, self->connection_id == NULL ? "system-users-symbolic" : NULL);
      break;

    case PROP_IS_EVERYONE:
      g_value_set_boolean (value, self->connection_id == NULL);
      break;

    case PROP_IS_SELF:
      g_value_set_boolean (value, self->is_self);
      break;

    case PROP_MESSAGES:
      g_value_set_object (value, self->messages);
      break;

    case PROP_UNREAD_COUNT:
      g_value_set_uint (value, self->unread_count);
      break;

    case PROP_UNREAD_LABEL:
      g_value_take_string (value, self->unread_count > 999 ? g_strdup ("999+")
                                  : g_strdup_printf ("%u", self->unread_count));
      break;

    case PROP_HAS_UNREAD:
      g_value_set_boolean (value, self->unread_count > 0);
      break;

    case PROP_PRESENT:
      g_value_set_boolean (value, self->present);
      break;

    case PROP_CAN_REMOVE:
      g_value_set_boolean (value, self->can_remove);
      break;

    case PROP_TYPING_TEXT:
      g_value_set_string (value, self->typing_text);
      break;

    case PROP_ACTIVE:
      g_value_set_boolean (value, self->active);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_conversation_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ConfabConversation *self = CONFAB_CONVERSATION (object);

  switch (prop_id)
    {
    case PROP_ACTIVE:
      if (self->active != (guint) g_value_get_boolean (value))
        {
          self->active = g_value_get_boolean (value);
          if (self->active)
            confab_conversation_mark_read (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_conversation_class_init (ConfabConversationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = confab_conversation_dispose;
  object_class->finalize = confab_conversation_finalize;
  object_class->get_property = confab_conversation_get_property;
  object_class->set_property = confab_conversation_set_property;

  properties[PROP_CONNECTION_ID] = g_param_spec_string ("connection-id", NULL, NULL, NULL, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_ICON_NAME] = g_param_spec_string ("icon-name", NULL, NULL, NULL, flags);
  properties[PROP_IS_EVERYONE] = g_param_spec_boolean ("is-everyone", NULL, NULL, FALSE, flags);
  properties[PROP_IS_SELF] = g_param_spec_boolean ("is-self", NULL, NULL, FALSE, flags);
  properties[PROP_MESSAGES] = g_param_spec_object ("messages", NULL, NULL, G_TYPE_LIST_MODEL,
                                                   flags);
  properties[PROP_UNREAD_COUNT] = g_param_spec_uint ("unread-count", NULL, NULL,
                                                     0, G_MAXUINT, 0, flags);
  properties[PROP_UNREAD_LABEL] = g_param_spec_string ("unread-label", NULL, NULL, NULL, flags);
  properties[PROP_HAS_UNREAD] = g_param_spec_boolean ("has-unread", NULL, NULL, FALSE, flags);
  properties[PROP_PRESENT] = g_param_spec_boolean ("present", NULL, NULL, TRUE, flags);
  properties[PROP_CAN_REMOVE] = g_param_spec_boolean ("can-remove", NULL, NULL, FALSE, flags);
  properties[PROP_TYPING_TEXT] = g_param_spec_string ("typing-text", NULL, NULL, NULL, flags);
  properties[PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                  G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
confab_conversation_init (ConfabConversation *self)
{
  self->messages = g_list_store_new (CONFAB_TYPE_MESSAGE);
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  self->typists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) typist_free);
  self->typing_text = g_strdup ("");
  self->present = TRUE;
}

/**
 * confab_conversation_new:
 * @connection_id: (nullable): the participant, or %NULL for "Everyone"
 * @name: (nullable): the participant's display name
 * @is_self: whether the participant is this client
 */
ConfabConversation *
confab_conversation_new (const char *connection_id,
                         const char *name,
                         gboolean    is_self)
{
  ConfabConversation *self = g_object_new (CONFAB_TYPE_CONVERSATION, NULL);

  self->connection_id = g_strdup (connection_id);
  /* Everyone has no name, so its avatar shows its icon rather than initials. */
  if (connection_id == NULL)
    self->name = g_strdup ("");
  else
    self->name = g_strdup (name && *name ? name : _("Anonymous"));
  self->is_self = !!is_self;

  return self;
}

const char *
confab_conversation_get_connection_id (ConfabConversation *self)
{
  g_return_val_if_fail (CONFAB_IS_CONVERSATION (self), NULL);
  return self->connection_id;
}

gboolean
confab_conversation_get_is_everyone (ConfabConversation *self)
{
  g_return_val_if_fail (CONFAB_IS_CONVERSATION (self), FALSE);
  return self->connection_id == NULL;
}

gboolean
confab_conversation_get_is_self (ConfabConversation *self)
{
  g_return_val_if_fail (CONFAB_IS_CONVERSATION (self), FALSE);
  return self->is_self;
}

const char *
confab_conversation_get_name (ConfabConversation *self)
{
  g_return_val_if_fail (CONFAB_IS_CONVERSATION (self), NULL);
  return self->name;
}

/**
 * confab_conversation_get_messages:
 *
 * Returns: (transfer none): the messages, a #GListModel of #ConfabMessage
 */
GListModel *
confab_conversation_get_messages (ConfabConversation *self)
{
  g_return_val_if_fail (CONFAB_IS_CONVERSATION (self), NULL);
  return G_LIST_MODEL (self->messages);
}

static void
set_unread_count (ConfabConversation *self,
                  guint               unread_count)
{
  gboolean had_unread = self->unread_count > 0;

  if (self->unread_count == unread_count)
    return;

  self->unread_count = unread_count;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD_COUNT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD_LABEL]);
  if (had_unread != (unread_count > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_UNREAD]);
}

/**
 * confab_conversation_flush:
 * @self: a #ConfabConversation
 *
 * Moves the messages appended since the last flush into #ConfabConversation:messages at
 * once. This happens by itself once per main loop turn.
 */
void
confab_conversation_flush (ConfabConversation *self)
{
  g_return_if_fail (CONFAB_IS_CONVERSATION (self));

  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->pending->len == 0)
    return;

  /* One change for the whole batch: a list view pays for each change it hears about. */
  g_list_store_splice (self->messages,
                       g_list_model_get_n_items (G_LIST_MODEL (self->messages)), 0,
                       self->pending->pdata, self->pending->len);
  g_ptr_array_set_size (self->pending, 0);
}

static gboolean
flush_idle (gpointer user_data)
{
  ConfabConversation *self = user_data;

  self->flush_id = 0;
  confab_conversation_flush (self);
  return G_SOURCE_REMOVE;
}

/**
 * confab_conversation_append:
 * @self: a #ConfabConversation
 * @message: the message to add at the end
 *
 * Adds a message, under the previous one's header when it continues it. Messages appended
 * in the same main loop turn reach #ConfabConversation:messages together. Someone else's
 * message counts as unread unless the conversation is the one being shown.
 */
void
confab_conversation_append (ConfabConversation *self,
                            ConfabMessage      *message)
{
  g_autoptr(ConfabMessage) previous = NULL;
  guint n;

  g_return_if_fail (CONFAB_IS_CONVERSATION (self));
  g_return_if_fail (CONFAB_IS_MESSAGE (message));

  if (self->pending->len > 0)
    previous = g_object_ref (g_ptr_array_index (self->pending, self->pending->len - 1));
  else if ((n = g_list_model_get_n_items (G_LIST_MODEL (self->messages))) > 0)
    previous = g_list_model_get_item (G_LIST_MODEL (self->messages), n - 1);
  confab_message_set_show_header (message, !confab_message_continues (message, previous));

  /* A message ends its sender's typing notice. */
  if (confab_message_get_sender_id (message) != NULL)
    confab_conversation_set_typing (self, confab_message_get_sender_id (message), NULL, FALSE);

  g_ptr_array_add (self->pending, g_object_ref (message));
  if (self->flush_id == 0)
    self->flush_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, flush_idle, self, NULL);

  if (!confab_message_get_is_own (message) && !self->active)
    set_unread_count (self, self->unread_count + 1);
}

guint
confab_conversation_get_unread_count (ConfabConversation *self)
{
  g_return_val_if_fail (CONFAB_IS_CONVERSATION (self), 0);
  return self->unread_count;
}

void
confab_conversation_mark_read (ConfabConversation *self)
{
  g_return_if_fail (CONFAB_IS_CONVERSATION (self));
  set_unread_count (self, 0);
}

gboolean
confab_conversation_get_present (ConfabConversation *self)
{
  g_return_val_if_fail (CONFAB_IS_CONVERSATION (self), FALSE);
  return self->present;
}

/**
 * confab_conversation_set_present:
 * @self: a #ConfabConversation
 * @present: whether the participant is still in the session
 *
 * A participant who left keeps their conversation, marked as left.
 */
void
confab_conversation_set_present (ConfabConversation *self,
                                 gboolean            present)
{
  g_return_if_fail (CONFAB_IS_CONVERSATION (self));

  present = !!present;
  if (self->present == (guint) present)
    return;

  self->present = present;
  if (!present)
    g_hash_table_remove_all (self->typists);
  update_typing_text (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

gboolean
confab_conversation_get_can_remove (ConfabConversation *self)
{
  g_return_val_if_fail (CONFAB_IS_CONVERSATION (self), FALSE);
  return self->can_remove;
}

void
confab_conversation_set_can_remove (ConfabConversation *self,
                                    gboolean            can_remove)
{
  g_return_if_fail (CONFAB_IS_CONVERSATION (self));

  can_remove = !!can_remove;
  if (self->can_remove == (guint) can_remove)
    return;

  self->can_remove = can_remove;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REMOVE]);
}

const char *
confab_conversation_get_typing_text (ConfabConversation *self)
{
  g_return_val_if_fail (CONFAB_IS_CONVERSATION (self), NULL);
  return self->typing_text;
}

static gboolean
typist_expired (gpointer user_data)
{
  Typist *typist = user_data;
  ConfabConversation *self = typist->self;
  GHashTableIter iter;
  Typist *value;

  typist->timeout_id = 0;

  g_hash_table_iter_init (&iter, self->typists);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &value))
    if (value == typist)
      {
        g_hash_table_iter_remove (&iter);
        break;
      }

  update_typing_text (self);
  return G_SOURCE_REMOVE;
}

/**
 * confab_conversation_set_typing:
 * @self: a #ConfabConversation
 * @connection_id: who
 * @name: (nullable): their display name
 * @typing: %TRUE when they typed just now, %FALSE when they stopped
 *
 * Shows or clears someone's typing notice. A notice clears itself after a few seconds
 * unless renewed.
 */
void
confab_conversation_set_typing (ConfabConversation *self,
                                const char         *connection_id,
                                const char         *name,
                                gboolean            typing)
{
  Typist *typist;

  g_return_if_fail (CONFAB_IS_CONVERSATION (self));
  g_return_if_fail (connection_id != NULL);

  if (!typing)
    {
      if (g_hash_table_remove (self->typists, connection_id))
        update_typing_text (self);
      return;
    }

  typist = g_hash_table_lookup (self->typists, connection_id);
  if (typist == NULL)
    {
      typist = g_new0 (Typist, 1);
      typist->self = self;
      typist->name = g_strdup (name && *name ? name : _("Someone"));
      g_hash_table_insert (self->typists, g_strdup (connection_id), typist);
    }

  g_clear_handle_id (&typist->timeout_id, g_source_remove);
  typist->timeout_id = g_timeout_add_seconds (TYPING_TIMEOUT_SECONDS, typist_expired, typist);
  update_typing_text (self);
}
