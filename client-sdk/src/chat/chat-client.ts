import type { Attachment, ChatMessage } from '@etax-assist/protocol';
import type { AssistConnection } from '../connection.js';
import { Emitter } from '../emitter.js';
import { SessionListeners } from '../session-listeners.js';

type ChatEvents = { message: [message: ChatMessage] };

/** A session's chat: its history, the messages that arrive, and sending. */
export class ChatClient extends Emitter<ChatEvents> {
  readonly #messages = new Map<string, ChatMessage>();
  readonly #listeners: SessionListeners;
  #seq = 0;

  constructor(
    private readonly connection: AssistConnection,
    readonly sessionId: string,
  ) {
    super();
    this.#listeners = new SessionListeners(connection.socket, sessionId);
    this.#listeners.on('chat:message', (message) => this.#add(message));
    // after a reconnect, fetch what was said meanwhile
    this.#listeners.onSocket('connect', () => void this.load());
  }

  get messages(): ChatMessage[] {
    return [...this.#messages.values()];
  }

  #add(message: ChatMessage): void {
    if (this.#messages.has(message.id)) return;
    this.#messages.set(message.id, message);
    this.emit('message', message);
  }

  async load(): Promise<void> {
    const { messages } = await this.connection.request('chat:history', { sessionId: this.sessionId });
    for (const message of messages) this.#add(message);
  }

  async send(text: string): Promise<ChatMessage> {
    const message = await this.connection.request('chat:send', { sessionId: this.sessionId, text, clientId: `c${Date.now()}-${this.#seq++}` });
    this.#add(message);
    return message;
  }

  /** Uploads a file into the chat (the service checks its type and size). */
  async attach(file: Blob, name = file instanceof File ? file.name : 'file'): Promise<ChatMessage> {
    const response = await this.connection.fetch(`/api/sessions/${this.sessionId}/attachments?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { 'content-type': file.type || 'application/octet-stream' },
      body: file,
    });
    const message = (await response.json()) as ChatMessage;
    this.#add(message);
    return message;
  }

  /** An attachment's content as text (page snapshots are JSON). */
  async text(attachment: Attachment): Promise<string> {
    return (await this.connection.fetch(`/api/sessions/${this.sessionId}/attachments/${attachment.id}`)).text();
  }

  /** Downloads an attachment of the chat as a local object URL (revoke it when done). */
  async open(attachment: Attachment): Promise<string> {
    const response = await this.connection.fetch(`/api/sessions/${this.sessionId}/attachments/${attachment.id}`);
    return URL.createObjectURL(await response.blob());
  }

  close(): void {
    this.#listeners.clear();
  }
}
