// A full mesh of RTCPeerConnections at one table: one per other seat. The newcomer calls
// everyone already seated; the others answer. Media goes browser to browser (DTLS-SRTP);
// only the offers, answers and ICE candidates pass through Sprankel's voice socket.
//
// A seat without a microphone still receives (its audio transceiver sends nothing), so
// listening works everywhere. Tracks are swapped with replaceTrack: muting, and a camera
// where the table allows one, never need a new offer.

export class Mesh {
  constructor({ send, iceServers, relayOnly, stream, cameras, onRemote, onGone }) {
    this.send = send;
    this.config = { iceServers: iceServers || [], iceTransportPolicy: relayOnly ? "relay" : "all" };
    this.stream = stream || new MediaStream(); // the local tracks (maybe none)
    this.cameras = cameras;
    this.onRemote = onRemote;
    this.onGone = onGone;
    this.peers = new Map(); // seat -> {pc, queue (a promise chain), pending candidates}
    this.iceErrors = []; // e.g. 401 from a TURN server that refused the credential
  }

  get audioTrack() {
    return this.stream.getAudioTracks()[0] || null;
  }

  get videoTrack() {
    return this.stream.getVideoTracks()[0] || null;
  }

  peer(seat) {
    let peer = this.peers.get(seat);
    if (peer) return peer;
    const pc = new RTCPeerConnection(this.config);
    peer = { pc, queue: Promise.resolve(), candidates: [] };
    this.peers.set(seat, peer);
    pc.onicecandidate = (event) => {
      const c = event.candidate;
      if (!c || !c.candidate) return;
      this.send({ type: "signal", to: seat, kind: "candidate",
        candidate: { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null } });
    };
    pc.onicecandidateerror = (event) => this.iceErrors.push(event.errorCode);
    pc.ontrack = (event) => this.onRemote(seat, event.streams[0] || new MediaStream([event.track]));
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed" || pc.connectionState === "closed") this.drop(seat);
    };
    return peer;
  }

  /** The newcomer's side: an offer to one seated peer. */
  call(seat) {
    const peer = this.peer(seat);
    this.serial(peer, async () => {
      peer.pc.addTransceiver(this.audioTrack || "audio", { direction: "sendrecv", streams: [this.stream] });
      if (this.cameras) peer.pc.addTransceiver(this.videoTrack || "video", { direction: "sendrecv", streams: [this.stream] });
      const offer = await peer.pc.createOffer();
      await peer.pc.setLocalDescription(offer);
      this.send({ type: "signal", to: seat, kind: "offer", sdp: peer.pc.localDescription.sdp });
    });
  }

  /** An offer, answer or candidate relayed from another seat at this table. */
  receive(message) {
    const seat = message.from;
    if (typeof seat !== "string") return;
    if (message.kind !== "offer" && !this.peers.has(seat)) return;
    const peer = this.peer(seat);
    this.serial(peer, async () => {
      const pc = peer.pc;
      if (message.kind === "offer") {
        await pc.setRemoteDescription({ type: "offer", sdp: message.sdp });
        for (const transceiver of pc.getTransceivers()) {
          const kind = transceiver.receiver.track?.kind;
          transceiver.direction = "sendrecv";
          transceiver.sender.setStreams?.(this.stream);
          if (kind === "audio" && this.audioTrack) await transceiver.sender.replaceTrack(this.audioTrack);
          if (kind === "video" && this.videoTrack) await transceiver.sender.replaceTrack(this.videoTrack);
        }
        await pc.setLocalDescription(await pc.createAnswer());
        this.send({ type: "signal", to: seat, kind: "answer", sdp: pc.localDescription.sdp });
        await this.flush(peer);
      } else if (message.kind === "answer") {
        await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
        await this.flush(peer);
      } else if (message.kind === "candidate" && message.candidate) {
        if (pc.remoteDescription) await pc.addIceCandidate(message.candidate);
        else peer.candidates.push(message.candidate);
      }
    });
  }

  async flush(peer) {
    for (const candidate of peer.candidates.splice(0)) await peer.pc.addIceCandidate(candidate);
  }

  serial(peer, step) {
    // One step at a time per peer: a candidate must wait for the description before it.
    peer.queue = peer.queue.then(step).catch((err) => console.warn("voice:", err?.message || err));
  }

  /** Seats that left the table (the server's view) are hung up. */
  keepOnly(seats) {
    for (const seat of [...this.peers.keys()]) if (!seats.has(seat)) this.drop(seat);
  }

  drop(seat) {
    const peer = this.peers.get(seat);
    if (!peer) return;
    this.peers.delete(seat);
    peer.pc.close();
    this.onGone(seat);
  }

  async setCamera(track) {
    const old = this.videoTrack;
    if (old) { this.stream.removeTrack(old); old.stop(); }
    if (track) this.stream.addTrack(track);
    for (const { pc } of this.peers.values()) {
      for (const transceiver of pc.getTransceivers()) {
        if (transceiver.receiver.track?.kind === "video") await transceiver.sender.replaceTrack(track);
      }
    }
  }

  /** Bytes of audio received so far from each seat (inbound-rtp), for the page and tests. */
  async stats() {
    const out = {};
    for (const [seat, { pc }] of this.peers) {
      let bytes = 0;
      (await pc.getStats()).forEach((report) => {
        if (report.type === "inbound-rtp" && report.kind === "audio") bytes += report.bytesReceived || 0;
      });
      out[seat] = bytes;
    }
    return out;
  }

  close() {
    for (const seat of [...this.peers.keys()]) this.drop(seat);
  }
}
