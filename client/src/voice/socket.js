// The voice socket (/voice/spaces/ID): JSON messages both ways. It reconnects with backoff
// after a network fault; a 44xx close is the server's final word (no token, removed, not at
// the table) and is handed to `onClosed` instead.

export class VoiceSocket {
  constructor(path, token, onMessage, onClosed) {
    this.path = path;
    this.token = token;
    this.onMessage = onMessage;
    this.onClosed = onClosed;
    this.ws = null;
    this.delay = 500;
    this.stopped = false;
    this.open = false;
    this.onOpen = () => {};
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}${this.path}?token=${encodeURIComponent(this.token)}`);
    this.ws = ws;
    ws.onopen = () => {
      this.open = true;
      this.delay = 500;
      this.onOpen();
    };
    ws.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message && typeof message.type === "string") this.onMessage(message);
    };
    ws.onclose = (event) => {
      this.open = false;
      if (this.stopped) return;
      if (event.code >= 4400 && event.code < 4500) {
        this.stopped = true;
        this.onClosed(event.code, event.reason);
        return;
      }
      this.onClosed(event.code, event.reason, true);
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 10000);
    };
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  close() {
    this.stopped = true;
    this.ws?.close();
  }
}
