/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-chat-page"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "confab-chat-page.h"
#include "confab-message-row.h"
#include "confab-sidebar-row.h"

/*
 * ConfabChatPage:
 *
 * The chat itself: recipients on the left, the chosen conversation on the right with the
 * composer under it, and the connection's state in a bar at the bottom.
 */

/* The remaining bytes show once a message comes this close to the limit. */
#define LIMIT_WARNING_BYTES 1024

/* Within this distance of the end, the view counts as following new messages. */
#define FOLLOW_SLACK 48.0

struct _ConfabChatPage
{
  GtkWidget           parent_instance;

  ConfabChat         *chat;
  ConfabConversation *conversation;
  GtkSingleSelection *selection;
  GListModel         *messages;         /* the shown conversation's, while connected to it */
  gboolean            following;
  guint               follow_idle_id;
  GBinding           *title_binding;
  GBinding           *typing_binding;

  AdwLeaflet         *leaflet;
  GtkListView        *sidebar_list;
  AdwWindowTitle     *conversation_title;
  GtkStack           *conversation_stack;
  AdwStatusPage      *empty_page;
  GtkScrolledWindow  *scroller;
  GtkListView        *message_list;
  GtkButton          *jump_button;
  GtkLabel           *typing_label;
  GtkTextView        *composer;
  GtkLabel           *limit_label;
  GtkLabel           *composer_error;
  GtkLabel           *status_label;
  GtkLabel           *queued_label;
  GtkImage           *status_icon;
  GtkButton          *retry_now_button;
  GtkButton          *reconnect_button;
  GtkButton          *invite_button;
  GtkButton          *empty_invite_button;
  GtkLabel           *people_label;
};

G_DEFINE_FINAL_TYPE (ConfabChatPage, confab_chat_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CHAT,
  PROP_CONVERSATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
dup_composer_text (ConfabChatPage *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->composer);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
show_composer_error (ConfabChatPage *self,
                     const char     *message)
{
  gtk_label_set_label (self->composer_error, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->composer_error), message != NULL);
}

static void
update_limit (ConfabChatPage *self)
{
  g_autofree char *text = dup_composer_text (self);
  gsize length = strlen (text);
  g_autofree char *label = NULL;

  if (length + LIMIT_WARNING_BYTES < CONFAB_SIGNAL_DATA_MAX_LENGTH)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->limit_label), FALSE);
      return;
    }

  if (length <= CONFAB_SIGNAL_DATA_MAX_LENGTH)
    {
      gsize left = CONFAB_SIGNAL_DATA_MAX_LENGTH - length;

      /* Translators: how much more fits in a message; %u is a number of bytes */
      label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u byte left", "%u bytes left",
                                            left), (guint) left);
      gtk_widget_remove_css_class (GTK_WIDGET (self->limit_label), "error");
    }
  else
    {
      gsize over = length - CONFAB_SIGNAL_DATA_MAX_LENGTH;

      /* Translators: how far a message is over the 8 KiB limit; %u is a number of bytes */
      label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u byte too long",
                                            "%u bytes too long", over), (guint) over);
      gtk_widget_add_css_class (GTK_WIDGET (self->limit_label), "error");
    }

  gtk_label_set_label (self->limit_label, label);
  gtk_widget_set_visible (GTK_WIDGET (self->limit_label), TRUE);
}

static void
on_buffer_changed (ConfabChatPage *self,
                   GtkTextBuffer  *buffer)
{
  update_limit (self);

  if (gtk_text_buffer_get_char_count (buffer) > 0 && self->chat && self->conversation)
    confab_chat_send_typing (self->chat, self->conversation);
  else
    show_composer_error (self, NULL);
}

static void
update_empty (ConfabChatPage *self)
{
  gboolean empty = self->messages == NULL || g_list_model_get_n_items (self->messages) == 0;
  gboolean can_invite = self->chat != NULL && confab_chat_get_invite_link (self->chat) != NULL;

  /* An empty room is the moment to ask people in. */
  gtk_widget_set_visible (GTK_WIDGET (self->empty_invite_button),
                          can_invite && self->conversation != NULL &&
                          confab_conversation_get_is_everyone (self->conversation));

  gtk_stack_set_visible_child_name (self->conversation_stack, empty ? "empty" : "messages");
  gtk_widget_set_visible (GTK_WIDGET (self->jump_button), !empty && !self->following);
}

static void
scroll_to_end (ConfabChatPage *self)
{
  guint n = self->messages ? g_list_model_get_n_items (self->messages) : 0;
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);

  self->following = TRUE;
  if (n > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->message_list), "list.scroll-to-item", "u",
                                n - 1);
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                        gtk_adjustment_get_page_size (adjustment));
  update_empty (self);
}

static gboolean
follow_idle (gpointer user_data)
{
  ConfabChatPage *self = user_data;

  self->follow_idle_id = 0;
  if (self->following)
    scroll_to_end (self);
  else
    update_empty (self);
  return G_SOURCE_REMOVE;
}

static void
on_messages_changed (ConfabChatPage *self,
                     guint           position,
                     guint           removed,
                     guint           added)
{
  /* Once per main loop turn, however many messages arrived in it. */
  if (self->follow_idle_id == 0)
    self->follow_idle_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, follow_idle, self, NULL);
}

static void
on_adjustment_value_changed (ConfabChatPage *self,
                             GtkAdjustment  *adjustment)
{
  double end = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  self->following = gtk_adjustment_get_value (adjustment) >= end - FOLLOW_SLACK;
  update_empty (self);
}

static void
on_adjustment_upper_changed (ConfabChatPage *self,
                             GParamSpec     *pspec,
                             GtkAdjustment  *adjustment)
{
  /* New rows made the list longer: keep the end in view if it was. */
  if (self->following)
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                          gtk_adjustment_get_page_size (adjustment));
}

static void
set_conversation (ConfabChatPage     *self,
                  ConfabConversation *conversation)
{
  g_autoptr(GtkNoSelection) model = NULL;
  g_autofree char *empty_description = NULL;

  if (self->conversation == conversation)
    return;

  if (self->conversation != NULL)
    g_object_set (self->conversation, "active", FALSE, NULL);
  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_func (self->messages, on_messages_changed, self);
  g_clear_object (&self->messages);
  if (self->title_binding != NULL)
    g_binding_unbind (self->title_binding);
  if (self->typing_binding != NULL)
    g_binding_unbind (self->typing_binding);
  g_clear_object (&self->title_binding);
  g_clear_object (&self->typing_binding);
  g_set_object (&self->conversation, conversation);

  if (conversation != NULL)
    {
      self->messages = g_object_ref (confab_conversation_get_messages (conversation));
      g_signal_connect_object (self->messages, "items-changed",
                               G_CALLBACK (on_messages_changed), self, G_CONNECT_SWAPPED);
      model = gtk_no_selection_new (g_object_ref (self->messages));
      g_object_set (conversation, "active", TRUE, NULL);

      /* Held, so they can be undone when another conversation is shown. */
      self->title_binding = g_object_ref (g_object_bind_property (conversation, "title",
                                                                  self->conversation_title,
                                                                  "title",
                                                                  G_BINDING_SYNC_CREATE));
      self->typing_binding = g_object_ref (g_object_bind_property (conversation, "typing-text",
                                                                   self->typing_label, "label",
                                                                   G_BINDING_SYNC_CREATE));

      if (confab_conversation_get_is_everyone (conversation))
        {
          adw_window_title_set_subtitle (self->conversation_title,
                                         _("Messages to everyone in the session"));
          empty_description = g_strdup (_("Say hello: what you write here reaches everyone."));
        }
      else if (confab_conversation_get_is_self (conversation))
        {
          adw_window_title_set_subtitle (self->conversation_title, _("Notes to yourself"));
          empty_description = g_strdup (_("Messages you send here reach only you."));
        }
      else
        {
          adw_window_title_set_subtitle (self->conversation_title, _("Direct messages"));
          /* Translators: %s is a participant's name */
          empty_description = g_strdup_printf (_("What you write here reaches only %s."),
                                               confab_conversation_get_name (conversation));
        }
      adw_status_page_set_description (self->empty_page, empty_description);
    }

  gtk_list_view_set_model (self->message_list, GTK_SELECTION_MODEL (model));
  show_composer_error (self, NULL);
  scroll_to_end (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATION]);
}

static void
on_selected_item_changed (ConfabChatPage *self)
{
  set_conversation (self, gtk_single_selection_get_selected_item (self->selection));

  /* Narrow, the sidebar and the conversation take turns: choosing shows the conversation. */
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
on_chat_state_changed (ConfabChatPage *self)
{
  ConfabSession *session = confab_chat_get_session (self->chat);
  ConfabSessionState state = session ? confab_session_get_state (session)
                                     : CONFAB_SESSION_STATE_DISCONNECTED;
  const char *icon;

  gtk_widget_set_visible (GTK_WIDGET (self->retry_now_button),
                          state == CONFAB_SESSION_STATE_RECONNECTING);
  gtk_widget_set_visible (GTK_WIDGET (self->reconnect_button),
                          state == CONFAB_SESSION_STATE_DISCONNECTED);

  switch (state)
    {
    case CONFAB_SESSION_STATE_CONNECTED:
      icon = "network-wireless-signal-excellent-symbolic";
      break;
    case CONFAB_SESSION_STATE_CONNECTING:
    case CONFAB_SESSION_STATE_RECONNECTING:
      icon = "network-wireless-acquiring-symbolic";
      break;
    case CONFAB_SESSION_STATE_DISCONNECTED:
    default:
      icon = "network-wireless-offline-symbolic";
      break;
    }
  gtk_image_set_from_icon_name (self->status_icon, icon);

  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  if (state == CONFAB_SESSION_STATE_RECONNECTING)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "warning");
  else if (state == CONFAB_SESSION_STATE_DISCONNECTED)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
on_n_people_changed (ConfabChatPage *self)
{
  guint n = confab_chat_get_n_people (self->chat);
  g_autofree char *text = NULL;

  /* Translators: in the sidebar's title; %u counts everyone, you included */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u person", "%u people", n), n);
  gtk_label_set_label (self->people_label, text);
}

static void
on_invite_changed (ConfabChatPage *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->invite_button),
                          confab_chat_get_invite_link (self->chat) != NULL);
  update_empty (self);
}

static void
on_conversations_changed (ConfabChatPage *self)
{
  GListModel *conversations = confab_chat_get_conversations (self->chat);

  gtk_single_selection_set_model (self->selection, conversations);
  gtk_single_selection_set_selected (self->selection, 0);
}

static gboolean
on_composer_key_pressed (ConfabChatPage        *self,
                         guint                  keyval,
                         guint                  keycode,
                         GdkModifierType        state,
                         GtkEventControllerKey *controller)
{
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter) &&
      (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK)) == 0)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "chat.send", NULL);
      return GDK_EVENT_STOP;
    }

  return GDK_EVENT_PROPAGATE;
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ConfabChatPage *self = CONFAB_CHAT_PAGE (widget);
  g_autofree char *text = dup_composer_text (self);
  g_autofree char *stripped = NULL;
  g_autoptr(GError) error = NULL;

  if (self->chat == NULL || self->conversation == NULL)
    return;

  stripped = g_strstrip (g_strdup (text));
  if (*stripped == '\0')
    return;

  if (!confab_chat_send_message (self->chat, self->conversation, text, &error))
    {
      /* Keep the text: the person decides how to shorten it. */
      show_composer_error (self, error->message);
      gtk_widget_error_bell (widget);
      return;
    }

  show_composer_error (self, NULL);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->composer), "", 0);
  scroll_to_end (self);
}

static void
focus_composer_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  confab_chat_page_focus_composer (CONFAB_CHAT_PAGE (widget));
}

static void
select_position (ConfabChatPage *self,
                 guint           position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));

  if (position >= n)
    return;

  gtk_single_selection_set_selected (self->selection, position);
  gtk_widget_activate_action (GTK_WIDGET (self->sidebar_list), "list.scroll-to-item", "u",
                              position);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
select_conversation_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  ConfabChatPage *self = CONFAB_CHAT_PAGE (widget);
  int index = g_variant_get_int32 (parameter);

  if (index >= 1)
    select_position (self, index - 1);
}

static void
move_conversation_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  ConfabChatPage *self = CONFAB_CHAT_PAGE (widget);
  guint selected = gtk_single_selection_get_selected (self->selection);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));

  if (n == 0)
    return;

  if (g_str_equal (action_name, "chat.next-conversation"))
    select_position (self, selected == GTK_INVALID_LIST_POSITION ? 0 : (selected + 1) % n);
  else
    select_position (self, selected == GTK_INVALID_LIST_POSITION || selected == 0
                             ? n - 1 : selected - 1);
}

static void
jump_to_latest_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  scroll_to_end (CONFAB_CHAT_PAGE (widget));
}

static void
retry_now_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ConfabChatPage *self = CONFAB_CHAT_PAGE (widget);

  if (self->chat != NULL)
    confab_chat_retry_now (self->chat);
}

static void
reconnect_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ConfabChatPage *self = CONFAB_CHAT_PAGE (widget);

  if (self->chat != NULL)
    confab_chat_reconnect (self->chat);
}

static void
remove_participant_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  ConfabChatPage *self = CONFAB_CHAT_PAGE (widget);

  if (self->chat != NULL)
    confab_chat_remove_participant (self->chat, g_variant_get_string (parameter, NULL));
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ConfabChatPage *self = CONFAB_CHAT_PAGE (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
on_sidebar_activate (ConfabChatPage *self,
                     guint           position)
{
  select_position (self, position);
  confab_chat_page_focus_composer (self);
}

static void
confab_chat_page_dispose (GObject *object)
{
  ConfabChatPage *self = CONFAB_CHAT_PAGE (object);
  GtkWidget *child;

  set_conversation (self, NULL);
  g_clear_handle_id (&self->follow_idle_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), CONFAB_TYPE_CHAT_PAGE);
  /* GTK 4.8 unparents only the bound children: the template's root is not. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  if (self->chat != NULL)
    g_signal_handlers_disconnect_by_data (self->chat, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->chat);

  G_OBJECT_CLASS (confab_chat_page_parent_class)->dispose (object);
}

static void
confab_chat_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ConfabChatPage *self = CONFAB_CHAT_PAGE (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      g_value_set_object (value, self->chat);
      break;

    case PROP_CONVERSATION:
      g_value_set_object (value, self->conversation);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_chat_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ConfabChatPage *self = CONFAB_CHAT_PAGE (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      confab_chat_page_set_chat (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_chat_page_class_init (ConfabChatPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = confab_chat_page_dispose;
  object_class->get_property = confab_chat_page_get_property;
  object_class->set_property = confab_chat_page_set_property;

  properties[PROP_CHAT] =
    g_param_spec_object ("chat", NULL, NULL, CONFAB_TYPE_CHAT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONVERSATION] =
    g_param_spec_object ("conversation", NULL, NULL, CONFAB_TYPE_CONVERSATION,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CONFAB_TYPE_MESSAGE_ROW);
  g_type_ensure (CONFAB_TYPE_SIDEBAR_ROW);
  g_type_ensure (CONFAB_TYPE_MESSAGE);
  g_type_ensure (CONFAB_TYPE_CONVERSATION);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/confab/Confab/confab-chat-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "chatpage");

  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, sidebar_list);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, conversation_title);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, conversation_stack);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, message_list);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, jump_button);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, typing_label);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, composer);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, limit_label);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, composer_error);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, queued_label);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, status_icon);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, retry_now_button);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, reconnect_button);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, invite_button);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, empty_invite_button);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatPage, people_label);
  gtk_widget_class_bind_template_callback (widget_class, on_sidebar_activate);

  gtk_widget_class_install_action (widget_class, "chat.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "chat.focus-composer", NULL,
                                   focus_composer_action);
  gtk_widget_class_install_action (widget_class, "chat.select-conversation", "i",
                                   select_conversation_action);
  gtk_widget_class_install_action (widget_class, "chat.next-conversation", NULL,
                                   move_conversation_action);
  gtk_widget_class_install_action (widget_class, "chat.previous-conversation", NULL,
                                   move_conversation_action);
  gtk_widget_class_install_action (widget_class, "chat.jump-to-latest", NULL,
                                   jump_to_latest_action);
  gtk_widget_class_install_action (widget_class, "chat.retry-now", NULL, retry_now_action);
  gtk_widget_class_install_action (widget_class, "chat.reconnect", NULL, reconnect_action);
  gtk_widget_class_install_action (widget_class, "chat.remove-participant", "s",
                                   remove_participant_action);
  gtk_widget_class_install_action (widget_class, "chat.back", NULL, back_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK,
                                       "chat.focus-composer", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, GDK_ALT_MASK,
                                       "chat.next-conversation", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK,
                                       "chat.previous-conversation", NULL);
  for (guint i = 1; i <= 9; i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0 + i, GDK_CONTROL_MASK,
                                         "chat.select-conversation", "i", (int) i);
}

static void
confab_chat_page_init (ConfabChatPage *self)
{
  GtkEventController *keys;
  GtkAdjustment *adjustment;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->following = TRUE;
  self->selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (on_selected_item_changed), self, G_CONNECT_SWAPPED);
  gtk_list_view_set_model (self->sidebar_list, GTK_SELECTION_MODEL (self->selection));

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_composer_key_pressed), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->composer), keys);

  g_signal_connect_object (gtk_text_view_get_buffer (self->composer), "changed",
                           G_CALLBACK (on_buffer_changed), self, G_CONNECT_SWAPPED);

  adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect_object (adjustment, "value-changed",
                           G_CALLBACK (on_adjustment_value_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "notify::upper",
                           G_CALLBACK (on_adjustment_upper_changed), self, G_CONNECT_SWAPPED);

  update_empty (self);
}

ConfabChat *
confab_chat_page_get_chat (ConfabChatPage *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT_PAGE (self), NULL);
  return self->chat;
}

void
confab_chat_page_set_chat (ConfabChatPage *self,
                           ConfabChat     *chat)
{
  g_return_if_fail (CONFAB_IS_CHAT_PAGE (self));
  g_return_if_fail (!chat || CONFAB_IS_CHAT (chat));

  if (self->chat == chat)
    return;

  if (self->chat != NULL)
    g_signal_handlers_disconnect_by_data (self->chat, self);
  set_conversation (self, NULL);
  gtk_single_selection_set_model (self->selection, NULL);
  g_set_object (&self->chat, chat);

  if (chat != NULL)
    {
      g_object_bind_property (chat, "status-text", self->status_label, "label",
                              G_BINDING_SYNC_CREATE);
      g_object_bind_property (chat, "queued-text", self->queued_label, "label",
                              G_BINDING_SYNC_CREATE);
      g_signal_connect_object (chat, "notify::state", G_CALLBACK (on_chat_state_changed), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (chat, "notify::n-people", G_CALLBACK (on_n_people_changed), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (chat, "notify::invite-link", G_CALLBACK (on_invite_changed),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (chat, "notify::conversations",
                               G_CALLBACK (on_conversations_changed), self, G_CONNECT_SWAPPED);
      on_chat_state_changed (self);
      on_n_people_changed (self);
      on_invite_changed (self);
      on_conversations_changed (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHAT]);
}

ConfabConversation *
confab_chat_page_get_conversation (ConfabChatPage *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT_PAGE (self), NULL);
  return self->conversation;
}

/**
 * confab_chat_page_select:
 * @self: a #ConfabChatPage
 * @conversation: a conversation in the sidebar
 *
 * Shows @conversation, as clicking its row does.
 */
void
confab_chat_page_select (ConfabChatPage     *self,
                         ConfabConversation *conversation)
{
  GListModel *model;
  guint n;

  g_return_if_fail (CONFAB_IS_CHAT_PAGE (self));

  model = G_LIST_MODEL (self->selection);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConfabConversation) item = g_list_model_get_item (model, i);

      if (item == conversation)
        {
          select_position (self, i);
          return;
        }
    }
}

void
confab_chat_page_retry_message (ConfabChatPage *self,
                                ConfabMessage  *message)
{
  g_return_if_fail (CONFAB_IS_CHAT_PAGE (self));

  if (self->chat != NULL)
    confab_chat_retry_message (self->chat, message);
}

void
confab_chat_page_focus_composer (ConfabChatPage *self)
{
  g_return_if_fail (CONFAB_IS_CHAT_PAGE (self));

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}
