/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-chat"

#include "config.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "confab-chat.h"

/*
 * ConfabChat:
 *
 * One window's membership of one session, without widgets: it hosts (an embedded
 * #ConfabServer) or joins, sorts incoming signals into conversations, sends ours and follows
 * each one's fate, and words the connection's state for the status bar.
 *
 * Messages are "chat" signals, typing notices "typing" ones; the session says whether each
 * was sent to everyone or to this connection alone, which picks its conversation.
 */

/* Typing notices go out at most this often while someone types. */
#define TYPING_INTERVAL_USEC (3 * G_USEC_PER_SEC)

struct _ConfabChat
{
  GObject             parent_instance;

  ConfabServer       *server;
  ConfabSession      *session;
  char               *token;
  char               *invite_link;
  char               *display_name;
  ConfabRole          role;
  char               *api_key;         /* while hosting */
  char               *api_secret;

  GHashTable         *conversations;   /* connection id → ConfabConversation */
  ConfabConversation *everyone;
  GListModel         *sidebar;

  char               *status_text;
  char               *queued_text;
  guint               n_people;
  guint               status_timer_id;

  char               *typing_to;       /* last typing notice's target, "" for everyone */
  gint64              typing_sent_at;
};

G_DEFINE_FINAL_TYPE (ConfabChat, confab_chat, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CONVERSATIONS,
  PROP_INVITE_LINK,
  PROP_DISPLAY_NAME,
  PROP_STATUS_TEXT,
  PROP_QUEUED_TEXT,
  PROP_N_PEOPLE,
  PROP_IS_MODERATOR,
  PROP_IS_HOSTING,
  PROP_STATE,
  N_PROPS
};

enum {
  MESSAGE_RECEIVED,
  ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_string (ConfabChat  *self,
            char       **field,
            const char  *value,
            guint        prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
update_status (ConfabChat *self)
{
  g_autofree char *status = NULL;
  g_autofree char *queued = NULL;
  ConfabSessionState state = CONFAB_SESSION_STATE_DISCONNECTED;
  guint n_people = 0;
  guint n_queued = 0;

  if (self->session != NULL)
    {
      state = confab_session_get_state (self->session);
      n_people = g_list_model_get_n_items (confab_session_get_connections (self->session));
      n_queued = confab_session_get_queued_signals (self->session);
    }

  switch (state)
    {
    case CONFAB_SESSION_STATE_CONNECTING:
      status = g_strdup (_("Connecting…"));
      break;

    case CONFAB_SESSION_STATE_CONNECTED:
      /* Translators: the status bar while connected; %u counts everyone, you included */
      status = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Connected · %u person",
                                             "Connected · %u people", n_people), n_people);
      break;

    case CONFAB_SESSION_STATE_RECONNECTING:
      {
        gint64 next = confab_session_get_next_reconnect_time (self->session);
        gint64 seconds = (next - g_get_monotonic_time () + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;

        if (next == 0 || seconds <= 0)
          status = g_strdup (_("Reconnecting…"));
        else
          /* Translators: the status bar while the link is down; %d is a number of seconds */
          status = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                 "Reconnecting… next try in %d s",
                                                 "Reconnecting… next try in %d s",
                                                 (int) seconds), (int) seconds);
      }
      break;

    case CONFAB_SESSION_STATE_DISCONNECTED:
    default:
      status = g_strdup (_("Disconnected"));
      break;
    }

  if (n_queued > 0)
    /* Translators: how many of your messages wait for the connection to come back */
    queued = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message queued",
                                           "%u messages queued", n_queued), n_queued);
  else
    queued = g_strdup ("");

  set_string (self, &self->status_text, status, PROP_STATUS_TEXT);
  set_string (self, &self->queued_text, queued, PROP_QUEUED_TEXT);

  if (self->n_people != n_people)
    {
      self->n_people = n_people;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_PEOPLE]);
    }
}

static gboolean
status_tick (gpointer user_data)
{
  update_status (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_state_changed (ConfabChat *self)
{
  gboolean reconnecting =
    confab_session_get_state (self->session) == CONFAB_SESSION_STATE_RECONNECTING;

  /* The countdown needs a tick only while reconnecting. */
  if (reconnecting && self->status_timer_id == 0)
    self->status_timer_id = g_timeout_add (250, status_tick, self);
  else if (!reconnecting)
    g_clear_handle_id (&self->status_timer_id, g_source_remove);

  /* Joined with a token minted elsewhere: our name is our connection data. */
  if (self->display_name == NULL && confab_session_get_connection (self->session) != NULL)
    {
      self->display_name =
        g_strdup (confab_connection_get_data (confab_session_get_connection (self->session)));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
    }

  update_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static const char *
own_connection_id (ConfabChat *self)
{
  ConfabConnection *own;

  if (self->session == NULL || (own = confab_session_get_connection (self->session)) == NULL)
    return NULL;
  return confab_connection_get_id (own);
}

static ConfabConversation *
ensure_conversation (ConfabChat       *self,
                     ConfabConnection *connection)
{
  const char *id = confab_connection_get_id (connection);
  ConfabConversation *conversation = g_hash_table_lookup (self->conversations, id);
  gboolean is_self;

  if (conversation != NULL)
    return conversation;

  is_self = g_strcmp0 (id, own_connection_id (self)) == 0;
  conversation = confab_conversation_new (id, confab_connection_get_data (connection), is_self);
  confab_conversation_set_can_remove (conversation,
                                      !is_self && self->role == CONFAB_ROLE_MODERATOR);
  g_hash_table_insert (self->conversations, g_strdup (id), conversation);
  return conversation;
}

static gpointer
map_connection (gpointer item,
                gpointer user_data)
{
  g_autoptr(ConfabConnection) connection = item;

  return g_object_ref (ensure_conversation (user_data, connection));
}

static void
on_signal (ConfabSession    *session,
           const char       *type,
           const char       *data,
           ConfabConnection *from,
           gboolean          direct,
           ConfabChat       *self)
{
  g_autoptr(ConfabMessage) message = NULL;
  ConfabConversation *conversation;
  const char *own_id = own_connection_id (self);

  if (from != NULL && g_strcmp0 (confab_connection_get_id (from), own_id) == 0)
    return;   /* our own, shown since we sent it */

  if (from == NULL)
    {
      /* Signals from the server itself (REST) go under Everyone, marked as such. */
      conversation = self->everyone;
      message = confab_message_new (NULL, _("Server"), data, g_get_real_time (),
                                    CONFAB_MESSAGE_RECEIVED);
      direct = FALSE;
    }
  else
    {
      conversation = direct ? ensure_conversation (self, from) : self->everyone;
      message = confab_message_new (confab_connection_get_id (from),
                                    confab_connection_get_data (from),
                                    data, g_get_real_time (), CONFAB_MESSAGE_RECEIVED);
    }

  confab_conversation_append (conversation, message);
  g_signal_emit (self, signals[MESSAGE_RECEIVED], 0, conversation, message, direct);
}

static void
on_typing (ConfabSession    *session,
           const char       *type,
           const char       *data,
           ConfabConnection *from,
           gboolean          direct,
           ConfabChat       *self)
{
  ConfabConversation *conversation;

  if (from == NULL || g_strcmp0 (confab_connection_get_id (from), own_connection_id (self)) == 0)
    return;

  if (direct)
    conversation = ensure_conversation (self, from);
  else
    conversation = self->everyone;

  confab_conversation_set_typing (conversation, confab_connection_get_id (from),
                                  confab_connection_get_data (from), TRUE);
}

static void
on_connection_destroyed (ConfabSession          *session,
                         ConfabConnection       *connection,
                         ConfabDisconnectReason  reason,
                         ConfabChat             *self)
{
  ConfabConversation *conversation;

  conversation = g_hash_table_lookup (self->conversations, confab_connection_get_id (connection));
  if (conversation != NULL)
    confab_conversation_set_present (conversation, FALSE);
  confab_conversation_set_typing (self->everyone, confab_connection_get_id (connection),
                                  NULL, FALSE);
}

static void
on_disconnected (ConfabSession          *session,
                 ConfabDisconnectReason  reason,
                 ConfabChat             *self)
{
  if (reason == CONFAB_DISCONNECT_REASON_FORCE_DISCONNECTED)
    g_signal_emit (self, signals[ERROR], 0, _("You were removed from the session."));
  else if (reason == CONFAB_DISCONNECT_REASON_NETWORK_DISCONNECTED)
    g_signal_emit (self, signals[ERROR], 0,
                   _("The connection could not be brought back. Choose Reconnect to try again."));
}

static void
on_items_changed (ConfabChat *self)
{
  update_status (self);
}

static void
confab_chat_dispose (GObject *object)
{
  ConfabChat *self = CONFAB_CHAT (object);

  g_clear_handle_id (&self->status_timer_id, g_source_remove);

  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_signal_handlers_disconnect_by_data (confab_session_get_connections (self->session), self);
      confab_session_disconnect (self->session);
    }

  g_clear_object (&self->sidebar);
  g_clear_object (&self->session);
  if (self->server != NULL)
    confab_server_stop (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->everyone);
  if (self->conversations != NULL)
    g_hash_table_remove_all (self->conversations);

  G_OBJECT_CLASS (confab_chat_parent_class)->dispose (object);
}

static void
confab_chat_finalize (GObject *object)
{
  ConfabChat *self = CONFAB_CHAT (object);

  g_clear_pointer (&self->conversations, g_hash_table_unref);
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->api_key, g_free);
  g_clear_pointer (&self->api_secret, g_free);
  g_clear_pointer (&self->invite_link, g_free);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->status_text, g_free);
  g_clear_pointer (&self->queued_text, g_free);
  g_clear_pointer (&self->typing_to, g_free);

  G_OBJECT_CLASS (confab_chat_parent_class)->finalize (object);
}

static void
confab_chat_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ConfabChat *self = CONFAB_CHAT (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_CONVERSATIONS:
      g_value_set_object (value, self->sidebar);
      break;

    case PROP_INVITE_LINK:
      g_value_set_string (value, self->invite_link);
      break;

    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;

    case PROP_STATUS_TEXT:
      g_value_set_string (value, self->status_text);
      break;

    case PROP_QUEUED_TEXT:
      g_value_set_string (value, self->queued_text);
      break;

    case PROP_N_PEOPLE:
      g_value_set_uint (value, self->n_people);
      break;

    case PROP_IS_MODERATOR:
      g_value_set_boolean (value, confab_chat_get_is_moderator (self));
      break;

    case PROP_IS_HOSTING:
      g_value_set_boolean (value, self->server != NULL);
      break;

    case PROP_STATE:
      g_value_set_int (value, self->session ? (int) confab_session_get_state (self->session)
                                            : CONFAB_SESSION_STATE_DISCONNECTED);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_chat_class_init (ConfabChatClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = confab_chat_dispose;
  object_class->finalize = confab_chat_finalize;
  object_class->get_property = confab_chat_get_property;

  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, CONFAB_TYPE_SESSION,
                                                  flags);
  properties[PROP_CONVERSATIONS] = g_param_spec_object ("conversations", NULL, NULL,
                                                        G_TYPE_LIST_MODEL, flags);
  properties[PROP_INVITE_LINK] = g_param_spec_string ("invite-link", NULL, NULL, NULL, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_STATUS_TEXT] = g_param_spec_string ("status-text", NULL, NULL, NULL, flags);
  properties[PROP_QUEUED_TEXT] = g_param_spec_string ("queued-text", NULL, NULL, NULL, flags);
  properties[PROP_N_PEOPLE] = g_param_spec_uint ("n-people", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_IS_MODERATOR] = g_param_spec_boolean ("is-moderator", NULL, NULL, FALSE, flags);
  properties[PROP_IS_HOSTING] = g_param_spec_boolean ("is-hosting", NULL, NULL, FALSE, flags);
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, G_MAXINT, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConfabChat::message-received:
   * @conversation: where it landed
   * @message: the message
   * @direct: whether it was addressed to this client alone
   */
  signals[MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  CONFAB_TYPE_CONVERSATION, CONFAB_TYPE_MESSAGE, G_TYPE_BOOLEAN);

  /**
   * ConfabChat::error:
   * @message: a sentence for the person
   *
   * Something the person should hear about went wrong.
   */
  signals[ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
confab_chat_init (ConfabChat *self)
{
  self->conversations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->everyone = confab_conversation_new (NULL, NULL, FALSE);
  self->role = CONFAB_ROLE_PUBLISHER;
  self->status_text = g_strdup (_("Disconnected"));
  self->queued_text = g_strdup ("");
}

ConfabChat *
confab_chat_new (void)
{
  return g_object_new (CONFAB_TYPE_CHAT, NULL);
}

/* Random hex from the system's entropy: the key and secret of a hosted session. */
static char *
random_hex (gsize n_bytes)
{
  guint8 bytes[16];
  GString *out = g_string_new (NULL);

  g_assert (n_bytes <= sizeof bytes);

  if (getentropy (bytes, n_bytes) != 0)
    for (gsize i = 0; i < n_bytes; i++)
      bytes[i] = g_random_int_range (0, 256);

  for (gsize i = 0; i < n_bytes; i++)
    g_string_append_printf (out, "%02x", bytes[i]);

  return g_string_free (out, FALSE);
}

/* The address others on the local network reach this computer at: the first IPv4 one that
 * is not loopback. */
static char *
dup_lan_address (void)
{
  struct ifaddrs *addresses = NULL;
  char *found = NULL;

  if (getifaddrs (&addresses) != 0)
    return NULL;

  for (struct ifaddrs *a = addresses; a != NULL && found == NULL; a = a->ifa_next)
    {
      g_autoptr(GInetAddress) inet = NULL;

      if (a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_INET)
        continue;

      inet = g_inet_address_new_from_bytes
        ((const guint8 *) &((struct sockaddr_in *) (gpointer) a->ifa_addr)->sin_addr,
         G_SOCKET_FAMILY_IPV4);
      if (!g_inet_address_get_is_loopback (inet))
        found = g_inet_address_to_string (inet);
    }

  freeifaddrs (addresses);
  return found;
}

/* The role a token grants, read without checking its signature: the app only uses it to
 * decide which menus to offer; the server enforces it. */
static ConfabRole
peek_token_role (const char *token)
{
  ConfabRole role = CONFAB_ROLE_PUBLISHER;
  g_auto(GStrv) parts = NULL;

  if (token == NULL)
    return role;

  if (g_str_has_prefix (token, "T1=="))
    {
      gsize length = 0;
      g_autofree guchar *decoded = g_base64_decode (token + 4, &length);
      g_autofree char *text = decoded ? g_strndup ((char *) decoded, length) : NULL;
      const char *found = text ? strstr (text, "role=") : NULL;

      if (found != NULL)
        {
          g_autofree char *name = g_strndup (found + 5, strcspn (found + 5, "&"));
          confab_role_from_string (name, &role);
        }
      return role;
    }

  parts = g_strsplit (token, ".", 4);
  if (g_strv_length (parts) == 3)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GString) base64 = g_string_new (parts[1]);
      g_autofree guchar *decoded = NULL;
      gsize length = 0;
      JsonNode *root;

      g_string_replace (base64, "-", "+", 0);
      g_string_replace (base64, "_", "/", 0);
      while (base64->len % 4 != 0)
        g_string_append_c (base64, '=');
      decoded = g_base64_decode (base64->str, &length);

      if (decoded != NULL &&
          json_parser_load_from_data (parser, (const char *) decoded, length, NULL) &&
          (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
        {
          const char *name = json_object_get_string_member_with_default
            (json_node_get_object (root), "role", "publisher");

          confab_role_from_string (name, &role);
        }
    }

  return role;
}

static void
on_connected (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!confab_session_connect_finish (CONFAB_SESSION (object), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
start_session (ConfabChat *self,
               const char *server_url,
               const char *session_id,
               const char *token,
               GTask      *task)
{
  GListModel *connections;
  GListStore *first;
  GListStore *parts;
  GtkMapListModel *people;

  g_return_if_fail (self->session == NULL);

  self->token = g_strdup (token);
  self->role = peek_token_role (token);
  self->session = confab_session_new (server_url, session_id);

  g_signal_connect_object (self->session, "signal::" CONFAB_CHAT_TYPE_MESSAGE,
                           G_CALLBACK (on_signal), self, 0);
  g_signal_connect_object (self->session, "signal::" CONFAB_CHAT_TYPE_TYPING,
                           G_CALLBACK (on_typing), self, 0);
  g_signal_connect_object (self->session, "connection-destroyed",
                           G_CALLBACK (on_connection_destroyed), self, 0);
  g_signal_connect_object (self->session, "disconnected",
                           G_CALLBACK (on_disconnected), self, 0);
  g_signal_connect_object (self->session, "notify::state",
                           G_CALLBACK (on_state_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::queued-signals",
                           G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::next-reconnect-time",
                           G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);

  connections = confab_session_get_connections (self->session);
  g_signal_connect_object (connections, "items-changed",
                           G_CALLBACK (on_items_changed), self, G_CONNECT_SWAPPED);

  /* The sidebar: "Everyone" first, then each connection as its conversation. */
  first = g_list_store_new (CONFAB_TYPE_CONVERSATION);
  g_list_store_append (first, self->everyone);
  people = gtk_map_list_model_new (g_object_ref (connections), map_connection, self, NULL);
  parts = g_list_store_new (G_TYPE_LIST_MODEL);
  g_list_store_append (parts, first);
  g_list_store_append (parts, people);
  g_object_unref (first);
  g_object_unref (people);
  self->sidebar = G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (parts)));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATIONS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_MODERATOR]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_HOSTING]);

  confab_session_connect_async (self->session, token, g_task_get_cancellable (task),
                                on_connected, g_object_ref (task));
  update_status (self);
}

/**
 * confab_chat_host_async:
 * @self: a #ConfabChat
 * @display_name: the name others see
 * @allow_lan: accept people from the local network, not only from this computer
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once joined, or on failure
 * @user_data: data for @callback
 *
 * Starts an embedded server with a fresh key and secret, makes an invite link for others,
 * and joins as moderator.
 */
void
confab_chat_host_async (ConfabChat          *self,
                        const char          *display_name,
                        gboolean             allow_lan,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *session_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *own_url = NULL;

  g_return_if_fail (CONFAB_IS_CHAT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_chat_host_async);

  if (self->session != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                               _("This window is already in a session."));
      return;
    }

  key = random_hex (8);
  secret = confab_api_secret_new ();
  self->server = confab_server_new (key, secret);
  if (!confab_server_listen (self->server, allow_lan ? "0.0.0.0" : "127.0.0.1", 0, &error))
    {
      g_clear_object (&self->server);
      g_task_return_new_error (task, error->domain, error->code,
                               _("Could not start a session on this computer: %s"),
                               error->message);
      return;
    }

  self->display_name = g_strdup (display_name);
  self->api_key = g_strdup (key);
  self->api_secret = g_strdup (secret);
  self->role = CONFAB_ROLE_MODERATOR;
  session_id = confab_session_id_new (key);
  own_url = g_strdup_printf ("ws://127.0.0.1:%u", confab_server_get_port (self->server));

  token = confab_token_new (key, secret, session_id, CONFAB_ROLE_MODERATOR, display_name,
                            0, &error);
  if (token == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  {
    g_autofree char *lan_address = allow_lan ? dup_lan_address () : NULL;
    g_autofree char *invite_url = NULL;
    g_autofree char *invite = NULL;

    invite_url = g_strdup_printf ("ws://%s:%u", lan_address ? lan_address : "127.0.0.1",
                                  confab_server_get_port (self->server));
    /* Invites last a week: the session lasts as long as this window anyway. */
    invite = confab_invite_new (key, secret, session_id, CONFAB_ROLE_PUBLISHER,
                                g_get_real_time () / G_USEC_PER_SEC + 7 * 24 * 60 * 60,
                                &error);
    if (invite == NULL)
      {
        g_task_return_error (task, g_steal_pointer (&error));
        return;
      }
    self->invite_link = confab_invite_link_new (invite_url, session_id, invite);
  }

  start_session (self, own_url, session_id, token, task);
}

static void
on_invite_redeemed (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *server_url = NULL;
  g_autofree char *session_id = NULL;
  g_autofree char *token = NULL;
  ConfabChat *self = g_task_get_source_object (task);

  if (!confab_invite_redeem_finish (result, &server_url, &session_id, &token, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (self->session != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                               _("This window is already in a session."));
      return;
    }

  start_session (self, server_url, session_id, token, task);
}

/**
 * confab_chat_join_async:
 * @self: a #ConfabChat
 * @invite_link: the link the host shared
 * @display_name: the name others see
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once joined, or on failure
 * @user_data: data for @callback
 *
 * Trades the invite for a token with the name chosen, then joins.
 */
void
confab_chat_join_async (ConfabChat          *self,
                        const char          *invite_link,
                        const char          *display_name,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *link = NULL;

  g_return_if_fail (CONFAB_IS_CHAT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_chat_join_async);

  if (self->session != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                               _("This window is already in a session."));
      return;
    }

  link = g_strstrip (g_strdup (invite_link ? invite_link : ""));
  if (*link == '\0')
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("Paste the invite link the host shared with you."));
      return;
    }

  g_free (self->invite_link);
  self->invite_link = g_strdup (link);
  g_free (self->display_name);
  self->display_name = g_strdup (display_name);

  confab_invite_redeem_async (link, display_name, cancellable, on_invite_redeemed,
                              g_steal_pointer (&task));
}

/**
 * confab_chat_join_with_token_async:
 * @self: a #ConfabChat
 * @server_url: the server
 * @session_id: the session
 * @token: a token for it
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once joined, or on failure
 * @user_data: data for @callback
 *
 * Joins with a token minted elsewhere; the name is the token's connection data.
 */
void
confab_chat_join_with_token_async (ConfabChat          *self,
                                   const char          *server_url,
                                   const char          *session_id,
                                   const char          *token,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONFAB_IS_CHAT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_chat_join_with_token_async);

  if (self->session != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                               _("This window is already in a session."));
      return;
    }

  start_session (self, server_url, session_id, token, task);
}

/**
 * confab_chat_start_finish:
 *
 * Finishes confab_chat_host_async(), confab_chat_join_async() or
 * confab_chat_join_with_token_async().
 */
gboolean
confab_chat_start_finish (ConfabChat    *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * confab_chat_mint_token:
 * @self: a #ConfabChat that hosts its session
 * @role: the role to give
 * @display_name: the name the token carries
 * @error: return location for a #GError
 *
 * Mints a token for the hosted session directly, as only its host can.
 *
 * Returns: (transfer full) (nullable): the token
 */
char *
confab_chat_mint_token (ConfabChat  *self,
                        ConfabRole   role,
                        const char  *display_name,
                        GError     **error)
{
  g_return_val_if_fail (CONFAB_IS_CHAT (self), NULL);

  if (self->api_secret == NULL || self->session == NULL)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_FORBIDDEN,
                           _("Only the host of a session can do this."));
      return NULL;
    }

  return confab_token_new (self->api_key, self->api_secret,
                           confab_session_get_session_id (self->session), role, display_name,
                           0, error);
}

ConfabSession *
confab_chat_get_session (ConfabChat *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT (self), NULL);
  return self->session;
}

ConfabServer *
confab_chat_get_server (ConfabChat *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT (self), NULL);
  return self->server;
}

/**
 * confab_chat_get_conversations:
 *
 * Returns: (transfer none) (nullable): "Everyone" then one conversation per connection, own
 *   included, in the session's order; %NULL before hosting or joining
 */
GListModel *
confab_chat_get_conversations (ConfabChat *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT (self), NULL);
  return self->sidebar;
}

ConfabConversation *
confab_chat_get_everyone (ConfabChat *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT (self), NULL);
  return self->everyone;
}

ConfabConversation *
confab_chat_lookup_conversation (ConfabChat *self,
                                 const char *connection_id)
{
  g_return_val_if_fail (CONFAB_IS_CHAT (self), NULL);

  if (connection_id == NULL)
    return self->everyone;
  return g_hash_table_lookup (self->conversations, connection_id);
}

const char *
confab_chat_get_invite_link (ConfabChat *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT (self), NULL);
  return self->invite_link;
}

const char *
confab_chat_get_display_name (ConfabChat *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT (self), NULL);
  return self->display_name;
}

const char *
confab_chat_get_status_text (ConfabChat *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT (self), NULL);
  return self->status_text;
}

const char *
confab_chat_get_queued_text (ConfabChat *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT (self), NULL);
  return self->queued_text;
}

guint
confab_chat_get_n_people (ConfabChat *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT (self), 0);
  return self->n_people;
}

gboolean
confab_chat_get_is_moderator (ConfabChat *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT (self), FALSE);
  return self->session != NULL && self->role == CONFAB_ROLE_MODERATOR;
}

gboolean
confab_chat_get_is_hosting (ConfabChat *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT (self), FALSE);
  return self->server != NULL;
}

static void
on_message_sent (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ConfabMessage) message = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;

  if (confab_session_send_signal_finish (CONFAB_SESSION (object), result, &error))
    {
      confab_message_set_status (message, CONFAB_MESSAGE_SENT, NULL);
      return;
    }

  /* Translators: under a message that did not go out; %s says why */
  reason = g_strdup_printf (_("Not sent: %s"), error->message);
  confab_message_set_status (message, CONFAB_MESSAGE_FAILED, reason);
}

static void
send_message (ConfabChat    *self,
              ConfabMessage *message)
{
  const char *to = confab_message_get_to (message);

  confab_message_set_status (message, CONFAB_MESSAGE_QUEUED, NULL);
  confab_session_send_signal_async (self->session,
                                    CONFAB_CHAT_TYPE_MESSAGE,
                                    confab_message_get_text (message), to, TRUE, NULL,
                                    on_message_sent, g_object_ref (message));
}

/**
 * confab_chat_send_message:
 * @self: a #ConfabChat
 * @conversation: where to send: "Everyone" broadcasts, a person gets a direct message
 * @text: the message
 * @error: return location for a #GError
 *
 * Adds our message to the conversation, marked queued, and sends it; its mark turns to sent
 * or failed once the server answers. Text over the limit is refused with a sentence saying
 * by how much, and nothing is added.
 *
 * Returns: %TRUE if the message was added and is on its way
 */
gboolean
confab_chat_send_message (ConfabChat          *self,
                          ConfabConversation  *conversation,
                          const char          *text,
                          GError             **error)
{
  g_autoptr(ConfabMessage) message = NULL;
  gsize length;
  const char *own_id;

  g_return_val_if_fail (CONFAB_IS_CHAT (self), FALSE);
  g_return_val_if_fail (CONFAB_IS_CONVERSATION (conversation), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (self->session == NULL)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_NOT_CONNECTED,
                           _("Host or join a session first."));
      return FALSE;
    }

  length = strlen (text);
  if (length > CONFAB_SIGNAL_DATA_MAX_LENGTH)
    {
      gsize over = length - CONFAB_SIGNAL_DATA_MAX_LENGTH;

      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_SIGNAL_DATA_TOO_LONG,
                   /* Translators: %u is a number of bytes; the limit is 8192 bytes */
                   g_dngettext (GETTEXT_PACKAGE,
                                "This message is %u byte over the 8 KiB limit. Shorten it or "
                                "send it in parts.",
                                "This message is %u bytes over the 8 KiB limit. Shorten it or "
                                "send it in parts.", over),
                   (guint) over);
      return FALSE;
    }

  if (!g_utf8_validate (text, length, NULL))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_PARAMETER,
                           _("This message contains text that is not valid UTF-8."));
      return FALSE;
    }

  own_id = own_connection_id (self);
  message = confab_message_new (own_id ? own_id : "", self->display_name, text,
                                g_get_real_time (), CONFAB_MESSAGE_QUEUED);
  confab_message_set_to (message, confab_conversation_get_connection_id (conversation));
  confab_conversation_append (conversation, message);

  /* A sent message ends our typing notice there. */
  g_clear_pointer (&self->typing_to, g_free);
  self->typing_sent_at = 0;

  send_message (self, message);
  return TRUE;
}

/**
 * confab_chat_retry_message:
 * @self: a #ConfabChat
 * @message: one of our messages that failed
 *
 * Sends it again, to the same recipient.
 */
void
confab_chat_retry_message (ConfabChat    *self,
                           ConfabMessage *message)
{
  g_return_if_fail (CONFAB_IS_CHAT (self));
  g_return_if_fail (CONFAB_IS_MESSAGE (message));

  if (self->session == NULL || confab_message_get_status (message) != CONFAB_MESSAGE_FAILED)
    return;

  send_message (self, message);
}

static void
on_typing_sent (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  /* A lost typing notice does not matter. */
  confab_session_send_signal_finish (CONFAB_SESSION (object), result, NULL);
}

/**
 * confab_chat_send_typing:
 * @self: a #ConfabChat
 * @conversation: where the person is typing
 *
 * Tells the conversation's other side that we are typing, at most every few seconds.
 */
void
confab_chat_send_typing (ConfabChat         *self,
                         ConfabConversation *conversation)
{
  const char *to;
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (CONFAB_IS_CHAT (self));
  g_return_if_fail (CONFAB_IS_CONVERSATION (conversation));

  if (self->session == NULL ||
      confab_session_get_state (self->session) != CONFAB_SESSION_STATE_CONNECTED ||
      confab_conversation_get_is_self (conversation) ||
      !confab_conversation_get_present (conversation))
    return;

  to = confab_conversation_get_connection_id (conversation);
  if (g_strcmp0 (self->typing_to, to ? to : "") == 0 &&
      now - self->typing_sent_at < TYPING_INTERVAL_USEC)
    return;

  g_free (self->typing_to);
  self->typing_to = g_strdup (to ? to : "");
  self->typing_sent_at = now;

  confab_session_send_signal_async (self->session, CONFAB_CHAT_TYPE_TYPING, "", to, FALSE,
                                    NULL, on_typing_sent, NULL);
}

static void
on_removed (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ConfabChat) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!confab_session_force_disconnect_finish (CONFAB_SESSION (object), result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not remove them: %s"), error->message);
      g_signal_emit (self, signals[ERROR], 0, text);
    }
}

void
confab_chat_remove_participant (ConfabChat *self,
                                const char *connection_id)
{
  g_return_if_fail (CONFAB_IS_CHAT (self));
  g_return_if_fail (connection_id != NULL);

  if (self->session == NULL)
    return;

  confab_session_force_disconnect_async (self->session, connection_id, NULL, on_removed,
                                         g_object_ref (self));
}

void
confab_chat_retry_now (ConfabChat *self)
{
  g_return_if_fail (CONFAB_IS_CHAT (self));

  if (self->session != NULL)
    confab_session_reconnect_now (self->session);
}

static void
on_reconnected (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ConfabChat) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!confab_session_connect_finish (CONFAB_SESSION (object), result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not reconnect: %s"), error->message);
      g_signal_emit (self, signals[ERROR], 0, text);
    }
}

/**
 * confab_chat_reconnect:
 * @self: a #ConfabChat
 *
 * Joins again after the session was left or lost, with the same token.
 */
void
confab_chat_reconnect (ConfabChat *self)
{
  g_return_if_fail (CONFAB_IS_CHAT (self));

  if (self->session == NULL ||
      confab_session_get_state (self->session) != CONFAB_SESSION_STATE_DISCONNECTED)
    return;

  confab_session_connect_async (self->session, self->token, NULL, on_reconnected,
                                g_object_ref (self));
}

/**
 * confab_chat_leave:
 * @self: a #ConfabChat
 *
 * Leaves the session; a hosted one ends for everyone.
 */
void
confab_chat_leave (ConfabChat *self)
{
  g_return_if_fail (CONFAB_IS_CHAT (self));

  if (self->session != NULL)
    confab_session_disconnect (self->session);
  if (self->server != NULL)
    confab_server_stop (self->server);
}
