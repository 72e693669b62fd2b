import { Device, type types } from 'mediasoup-client';
import type { MediaJoinResult, MediaMode, MediaPeer, ProducerInfo, TransportParameters } from '@etax-assist/protocol';
import type { AssistConnection } from '../connection.js';
import { Emitter } from '../emitter.js';
import { SessionListeners } from '../session-listeners.js';
import { captureLocalMedia, type FallbackReason } from './local-media.js';
import { DEFAULT_LINK_THRESHOLDS, LinkJudge, readLinkSample, type LinkQuality, type LinkSample, type LinkThresholds } from './link-quality.js';
import { BLOCK_ATTRIBUTE } from '../cobrowse/privacy.js';

export type CallState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** The fields of the transport, candidate-pair and candidate reports that sendPath reads. */
type IceReport = RTCStats & {
  selectedCandidatePairId?: string;
  localCandidateId?: string;
  state?: string;
  nominated?: boolean;
  candidateType?: RTCIceCandidateType;
  protocol?: 'udp' | 'tcp';
  relayProtocol?: 'udp' | 'tcp' | 'tls';
};

/** The path a call's media takes out of the browser (MediaCall.sendPath). */
export interface MediaPath {
  candidateType: RTCIceCandidateType;
  protocol: 'udp' | 'tcp';
  relayProtocol?: 'udp' | 'tcp' | 'tls';
}

export interface RemoteTrack {
  producerId: string;
  kind: 'audio' | 'video';
  source: 'mic' | 'camera';
  peer: MediaPeer;
  track: MediaStreamTrack;
  paused: boolean;
}

export interface MediaCallOptions {
  sessionId: string;
  /** What to send: camera and microphone, microphone only, or nothing (text, monitors). */
  publish: MediaMode;
  /** Delay between ICE restart attempts while a transport stays failed. */
  iceRestartRetryMs?: number;
  /** Play remote audio through hidden audio elements (default true); video is the page's to show. */
  playRemoteAudio?: boolean;
  /** When the link is poor, and when it is too thin for video (link-quality.ts); false: not watched. */
  link?: Partial<LinkThresholds> | false;
  /** How often the link is read (default 2000 ms). */
  linkSampleMs?: number;
  /**
   * Send the camera as three encodings (simulcast) for the media server to pick from per
   * receiver, as that receiver's link allows: for a sender on a good link whose receiver may be on
   * a thin one (the agent towards a rural hall). Default: one encoding, which the sender's own
   * link already fits.
   */
  simulcast?: boolean;
}

/**
 * The camera's simulcast encodings, lowest first: a quarter, half and the whole picture
 * (mediasoup-client gives each three temporal layers, so the media server can thin the frame rate
 * too). The lowest fits with voice in a 100 kbit/s link.
 */
const SIMULCAST_ENCODINGS: types.RtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 60_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 250_000 },
  { maxBitrate: 900_000 },
];

/**
 * Opus's ceiling while the link is judged poor or too thin for video: speech stays clear at it, and on a thin link what
 * the voice does not take is left to the co-browsing's stream (Chrome's default is ~32 kbit/s).
 */
const POOR_LINK_VOICE_BPS = 20_000;

/** Why this side sends less than it was asked to: a device missing or refused, or a link too thin for video. */
export type ModeReason = FallbackReason | 'poor-network';

type CallEvents = {
  state: [state: CallState];
  /** What this side actually sends after fallbacks, and why it is less than asked. */
  mode: [mode: MediaMode, reason: ModeReason | undefined];
  /** Each reading of the link while sending, with the quality judged from it. */
  link: [quality: LinkQuality, sample: LinkSample];
  'remote-track': [track: RemoteTrack];
  'remote-track-ended': [producerId: string];
  'remote-paused': [producerId: string, paused: boolean];
  /** The other side's mode changed (e.g. the taxpayer has no camera). */
  'peer-mode': [peer: MediaPeer, mode: MediaMode, reason: string | undefined];
  error: [error: Error];
};

/**
 * One side of a session's call: captures local media (with fallbacks), publishes it, receives
 * everyone else's, and heals itself: transports that go `failed` restart ICE until it sticks; a
 * socket reconnect or a re-created room (worker died) rejoins and re-publishes without a click.
 */
export class MediaCall extends Emitter<CallEvents> {
  readonly sessionId: string;
  #state: CallState = 'idle';
  #mode: MediaMode = 'text';
  #modeReason: ModeReason | undefined;
  /** The mode the others were last told of (until told, they take the one asked for). */
  #toldMode: MediaMode;
  #local: MediaStream | undefined;
  #device: Device | undefined;
  #send: types.Transport | undefined;
  #recv: types.Transport | undefined;
  readonly #producers = new Map<'mic' | 'camera', types.Producer>();
  readonly #consumers = new Map<string, types.Consumer>();
  readonly #remote = new Map<string, RemoteTrack>();
  readonly #players = new Map<string, HTMLAudioElement>();
  /** Others' producers in the current room: the join snapshot plus every announcement since. */
  readonly #announced = new Map<string, ProducerInfo>();
  readonly #consuming = new Set<string>();
  #reconnecting = false;
  #reconnectAgain = false;
  readonly #listeners: SessionListeners;
  #generation = 0;
  #muted = { mic: false, camera: false };
  /** The camera is paused because the link is too thin for video (not by the user). */
  #videoDropped = false;
  /** The voice's bitrate is capped because the link is poor or too thin for video. */
  #voiceCapped = false;
  #linkTimer: ReturnType<typeof setInterval> | undefined;
  #lastSent: { bytes: number; atMs: number } | undefined;
  #link: { quality: LinkQuality; sample: LinkSample } | undefined;

  constructor(
    private readonly connection: AssistConnection,
    private readonly options: MediaCallOptions,
  ) {
    super();
    this.sessionId = options.sessionId;
    this.#toldMode = options.publish;
    this.#listeners = new SessionListeners(connection.socket, options.sessionId);
  }

  get state(): CallState {
    return this.#state;
  }

  get mode(): MediaMode {
    return this.#mode;
  }

  get localStream(): MediaStream | undefined {
    return this.#local;
  }

  get remoteTracks(): RemoteTrack[] {
    return [...this.#remote.values()];
  }

  /** A method, not a narrowed field: close() may run while start() awaits. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #setState(state: CallState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new Error('call already started');
    this.#setState('connecting');
    const local = await captureLocalMedia(this.options.publish);
    // closed while the camera was being opened (the session ended meanwhile): release it, join nothing
    if (this.#isClosed()) {
      for (const track of local.stream.getTracks()) track.stop();
      return;
    }
    this.#local = local.stream;
    this.#mode = local.mode;
    this.#modeReason = local.reason;
    this.emit('mode', local.mode, local.reason);
    this.#listen();
    await this.#connect();
    // closed while joining: the leave may have reached the server before the join did
    if (this.#isClosed()) return this.#leave();
    if (this.#mode !== this.#toldMode) await this.#tellMode();
    this.#watchLink();
  }

  /** The link's last reading and quality, while the call sends. */
  get link(): { quality: LinkQuality; sample: LinkSample } | undefined {
    return this.#link;
  }

  #watchLink(): void {
    if (this.options.link === false || !this.#local || this.#local.getTracks().length === 0) return;
    const judge = new LinkJudge({ ...DEFAULT_LINK_THRESHOLDS, ...this.options.link });
    this.#linkTimer = setInterval(() => {
      const send = this.#send;
      if (!send || this.#state !== 'connected') return;
      void send.getStats().then(
        (report) => {
          const now = Date.now();
          const { sample, bytes } = readLinkSample(report, this.#lastSent, now);
          this.#lastSent = { bytes, atMs: now };
          const verdict = judge.observe(sample, now);
          this.#link = { quality: verdict.quality, sample };
          this.emit('link', verdict.quality, sample);
          const failed = (error: unknown) => this.emit('error', error instanceof Error ? error : new Error(String(error)));
          if (verdict.video) void this.#setVideoDropped(verdict.video === 'drop').catch(failed);
          // capped until video is back too: with the camera off the loss alone judges the link,
          // which a thin one passes between its losses
          const capped = verdict.quality === 'poor' || this.#videoDropped;
          if (capped !== this.#voiceCapped) {
            this.#voiceCapped = capped;
            void this.#applyVoiceCap().catch(failed);
          }
        },
        () => {},
      );
    }, this.options.linkSampleMs ?? 2000);
  }

  /** The microphone's encoding capped while the link is poor or too thin for video, or free again. */
  async #applyVoiceCap(): Promise<void> {
    await this.#producers.get('mic')?.setRtpEncodingParameters({ maxBitrate: this.#voiceCapped ? POOR_LINK_VOICE_BPS : undefined });
  }

  /**
   * The camera off for a link too thin for video (voice goes on), or back on; the other side is
   * told, and the others' video stops coming (the media server pauses it) or comes again.
   */
  async #setVideoDropped(dropped: boolean): Promise<void> {
    if (this.options.publish !== 'video' || !this.#local?.getVideoTracks().length || this.#videoDropped === dropped) return;
    this.#videoDropped = dropped;
    this.#mode = dropped ? 'voice' : 'video';
    this.#modeReason = dropped ? 'poor-network' : undefined;
    // said here at once, and both requests sent at once: on a link this thin the server's answers
    // come late or not at all (a lost one is made good after the rejoin that follows)
    this.emit('mode', this.#mode, this.#modeReason);
    await Promise.all([this.#applyPaused('camera'), this.#tellMode(), ...[...this.#consumers.values()].map((consumer) => this.#applyConsumerPaused(consumer))]);
  }

  /** Tells the others what this side sends now, and why. */
  async #tellMode(): Promise<void> {
    const mode = this.#mode;
    await this.connection.request('media:set-mode', { sessionId: this.sessionId, mode, ...(this.#modeReason ? { reason: this.#modeReason } : {}) });
    this.#toldMode = mode;
  }

  #listen(): void {
    const on = this.#listeners;
    on.on('media:producer-added', (e) => {
      // may arrive before the receive transport exists (both sides rejoining at once): #connect
      // consumes everything announced once it has one
      this.#announced.set(e.producer.producerId, e.producer);
      void this.#consume(e.producer, this.#generation);
    });
    on.on('media:producer-removed', (e) => {
      this.#announced.delete(e.producerId);
      this.#dropRemote(e.producerId);
    });
    on.on('media:producer-paused', (e) => {
      const remote = this.#remote.get(e.producerId);
      if (remote) remote.paused = e.paused;
      this.emit('remote-paused', e.producerId, e.paused);
    });
    on.on('media:mode', (e) => this.emit('peer-mode', e.peer, e.mode, e.reason));
    on.on('media:rejoin', () => void this.#reconnect());
    on.onSocket('disconnect', () => {
      if (this.#state !== 'closed') this.#setState('reconnecting');
    });
    on.onSocket('connect', () => {
      // socket.io reconnected (possibly to another instance): rejoin and re-publish
      if (this.#state !== 'closed' && this.#state !== 'connecting') void this.#reconnect();
    });
  }

  async #connect(): Promise<void> {
    const generation = ++this.#generation;
    this.#announced.clear();
    const join = await this.connection.request('media:join', { sessionId: this.sessionId });
    if (generation !== this.#generation) return;
    for (const producer of join.producers) this.#announced.set(producer.producerId, producer);
    const device = new Device();
    await device.load({ routerRtpCapabilities: join.routerRtpCapabilities as unknown as types.RtpCapabilities });
    if (generation !== this.#generation) return;
    this.#device = device;
    const recv = await this.#createTransport('recv', join, generation);
    if (generation !== this.#generation) return void recv.close();
    this.#recv = recv;
    await Promise.all([...this.#announced.values()].map((producer) => this.#consume(producer, generation)));
    if (!join.monitor && this.#local && this.#local.getTracks().length > 0) {
      const send = await this.#createTransport('send', join, generation);
      if (generation !== this.#generation) return void send.close();
      this.#send = send;
      for (const track of this.#local.getTracks()) {
        const source = track.kind === 'video' ? 'camera' : 'mic';
        // stopTracks: false — a rejoin closes the producers but must re-publish the same tracks
        const encodings = source === 'camera' && this.options.simulcast ? { encodings: SIMULCAST_ENCODINGS } : {};
        // zeroRtpOnPause: a paused track sends nothing (a disabled one sends black frames or
        // silence, ~10 kbit/s a thin link lacks); DTX: the voice sends next to nothing while quiet
        const producer = await send.produce({ track, appData: { source }, stopTracks: false, zeroRtpOnPause: true, codecOptions: { opusDtx: true }, ...encodings });
        if (generation !== this.#generation) return;
        this.#producers.set(source, producer);
        if (this.#isPaused(source)) await this.#applyPaused(source);
        if (source === 'mic' && this.#voiceCapped) await this.#applyVoiceCap();
      }
    }
    if (generation === this.#generation) this.#setState('connected');
  }

  async #createTransport(direction: 'send' | 'recv', join: MediaJoinResult, generation: number): Promise<types.Transport> {
    const params: TransportParameters = await this.connection.request('media:create-transport', { sessionId: this.sessionId, direction });
    const device = this.#device as Device;
    const options = {
      id: params.transportId,
      iceParameters: params.iceParameters as unknown as types.IceParameters,
      iceCandidates: params.iceCandidates as unknown as types.IceCandidate[],
      dtlsParameters: params.dtlsParameters as unknown as types.DtlsParameters,
      iceServers: join.iceServers as RTCIceServer[],
    };
    const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.connection.request('media:connect-transport', { sessionId: this.sessionId, transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        this.connection
          .request('media:produce', {
            sessionId: this.sessionId,
            transportId: transport.id,
            kind,
            rtpParameters,
            source: (appData as { source: 'mic' | 'camera' }).source,
          })
          .then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    transport.on('connectionstatechange', (state) => {
      if (generation !== this.#generation || this.#state === 'closed') return;
      if (state === 'connected') this.#setState('connected');
      else if (state === 'disconnected') this.#setState('reconnecting');
      else if (state === 'failed') void this.#restartIce(transport, generation);
    });
    return transport;
  }

  /** An outage past ~30 s leaves ICE failed for good unless both ends restart it. */
  async #restartIce(transport: types.Transport, generation: number): Promise<void> {
    this.#setState('reconnecting');
    while (generation === this.#generation && !transport.closed && transport.connectionState === 'failed') {
      try {
        const { iceParameters } = await this.connection.request('media:restart-ice', { sessionId: this.sessionId, transportId: transport.id });
        await transport.restartIce({ iceParameters: iceParameters as unknown as types.IceParameters });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, this.options.iceRestartRetryMs ?? 2000));
      }
    }
  }

  async #consume(info: ProducerInfo, generation: number): Promise<void> {
    const recv = this.#recv;
    const device = this.#device;
    const id = info.producerId;
    if (!recv || !device || generation !== this.#generation || this.#remote.has(id) || this.#consuming.has(id)) return;
    this.#consuming.add(id);
    try {
      const params = await this.connection.request('media:consume', {
        sessionId: this.sessionId,
        transportId: recv.id,
        producerId: info.producerId,
        rtpCapabilities: device.rtpCapabilities as never,
      });
      if (generation !== this.#generation) return;
      const consumer = await recv.consume({
        id: params.consumerId,
        producerId: params.producerId,
        kind: params.kind,
        rtpParameters: params.rtpParameters as unknown as types.RtpParameters,
      });
      this.#consumers.set(info.producerId, consumer);
      await this.#applyConsumerPaused(consumer);
      const remote: RemoteTrack = { producerId: info.producerId, kind: info.kind, source: info.source, peer: info.peer, track: consumer.track, paused: info.paused };
      this.#remote.set(info.producerId, remote);
      if (remote.kind === 'audio' && this.options.playRemoteAudio !== false) this.#play(remote);
      this.emit('remote-track', remote);
    } catch (error) {
      this.emit('error', error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#consuming.delete(id);
    }
  }

  #play(remote: RemoteTrack): void {
    const player = document.createElement('audio');
    player.autoplay = true;
    player.hidden = true;
    // the call's own players are not part of the page the agent co-browses
    player.setAttribute(BLOCK_ATTRIBUTE, '');
    player.srcObject = new MediaStream([remote.track]);
    document.body.append(player);
    void player.play().catch(() => {
      // autoplay refused until the user interacts: start on the next click or key press
      const resume = () => void player.play().catch(() => {});
      document.addEventListener('pointerdown', resume, { once: true });
      document.addEventListener('keydown', resume, { once: true });
    });
    this.#players.set(remote.producerId, player);
  }

  #dropRemote(producerId: string): void {
    this.#players.get(producerId)?.remove();
    this.#players.delete(producerId);
    this.#consumers.get(producerId)?.close();
    this.#consumers.delete(producerId);
    if (this.#remote.delete(producerId)) this.emit('remote-track-ended', producerId);
  }

  /** Drops the transports (the server replaces them on rejoin) and joins again; local tracks stay. */
  async #reconnect(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#setState('reconnecting');
    // one rejoin at a time: a second trigger (rejoin notice plus socket reconnect) runs one more round
    if (this.#reconnecting) {
      this.#reconnectAgain = true;
      return;
    }
    this.#reconnecting = true;
    try {
      do {
        this.#reconnectAgain = false;
        await this.#rejoin();
      } while (this.#reconnectAgain && this.state !== 'closed');
    } finally {
      this.#reconnecting = false;
    }
  }

  async #rejoin(): Promise<void> {
    while (this.#state !== 'closed') {
      try {
        this.#teardownTransports();
        if (!this.connection.socket.connected) return; // the 'connect' handler comes back here
        await this.#connect();
        if (this.#mode !== this.#toldMode) void this.#tellMode().catch((error: unknown) => this.emit('error', error instanceof Error ? error : new Error(String(error))));
        return;
      } catch (error) {
        this.emit('error', error instanceof Error ? error : new Error(String(error)));
        await new Promise((resolve) => setTimeout(resolve, this.options.iceRestartRetryMs ?? 2000));
      }
    }
  }

  #teardownTransports(): void {
    this.#generation++;
    for (const producerId of [...this.#remote.keys()]) this.#dropRemote(producerId);
    this.#producers.clear();
    this.#send?.close();
    this.#recv?.close();
    this.#send = undefined;
    this.#recv = undefined;
  }

  /** Others' video is received unless this side's link is too thin for video; their voice always is. */
  async #applyConsumerPaused(consumer: types.Consumer): Promise<void> {
    const paused = consumer.kind === 'video' && this.#videoDropped;
    if (paused) consumer.pause();
    else consumer.resume();
    await this.connection.request('media:set-consumer-paused', { sessionId: this.sessionId, consumerId: consumer.id, paused });
  }

  #isPaused(source: 'mic' | 'camera'): boolean {
    return this.#muted[source] || (source === 'camera' && this.#videoDropped);
  }

  async #setPaused(source: 'mic' | 'camera', paused: boolean): Promise<void> {
    this.#muted[source] = paused;
    await this.#applyPaused(source);
  }

  /** The producer paused or sending as the user (muted) and the link (video dropped) say. */
  async #applyPaused(source: 'mic' | 'camera'): Promise<void> {
    const producer = this.#producers.get(source);
    if (!producer) return;
    const paused = this.#isPaused(source);
    if (paused) producer.pause();
    else producer.resume();
    await this.connection.request('media:set-producer-paused', { sessionId: this.sessionId, producerId: producer.id, paused });
  }

  setMicEnabled(enabled: boolean): Promise<void> {
    return this.#setPaused('mic', !enabled);
  }

  setCameraEnabled(enabled: boolean): Promise<void> {
    return this.#setPaused('camera', !enabled);
  }

  get micEnabled(): boolean {
    return !this.#muted.mic && this.#producers.has('mic');
  }

  get cameraEnabled(): boolean {
    return !this.#isPaused('camera') && this.#producers.has('camera');
  }

  /** Switches to another microphone or camera without renegotiating. */
  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    const stream = await navigator.mediaDevices.getUserMedia(kind === 'audio' ? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId } } });
    const [track] = stream.getTracks();
    if (!track || !this.#local) return;
    const old = kind === 'audio' ? this.#local.getAudioTracks()[0] : this.#local.getVideoTracks()[0];
    if (old) {
      this.#local.removeTrack(old);
      old.stop();
    }
    this.#local.addTrack(track);
    await this.#producers.get(kind === 'audio' ? 'mic' : 'camera')?.replaceTrack({ track });
  }

  /**
   * How the call's media leaves this browser, from the send transport's selected ICE pair: a
   * direct `host` (or `srflx`) path over UDP or TCP, or a TURN `relay` and how the browser
   * reaches the relay (udp, tcp, tls). Undefined before the transport is connected.
   */
  async sendPath(): Promise<MediaPath | undefined> {
    const reports = [...((await this.#send?.getStats())?.values() ?? [])] as IceReport[];
    const byId = new Map(reports.map((report) => [report.id, report]));
    const selected = reports.find((report) => report.type === 'transport')?.selectedCandidatePairId;
    const pair =
      (selected ? byId.get(selected) : undefined) ?? reports.find((report) => report.type === 'candidate-pair' && report.state === 'succeeded' && report.nominated === true);
    const local = pair?.localCandidateId ? byId.get(pair.localCandidateId) : undefined;
    if (!local?.candidateType || !local.protocol) return undefined;
    return { candidateType: local.candidateType, protocol: local.protocol, ...(local.relayProtocol ? { relayProtocol: local.relayProtocol } : {}) };
  }

  /** Receive-side WebRTC figures per remote track (decoded frames, audio energy, packets). */
  async inboundStats(): Promise<{ producerId: string; kind: string; peer: string; framesDecoded: number; totalAudioEnergy: number; packetsReceived: number }[]> {
    const rows = [];
    for (const [producerId, consumer] of this.#consumers) {
      let framesDecoded = 0;
      let totalAudioEnergy = 0;
      let packetsReceived = 0;
      for (const report of (await consumer.getStats()).values() as IterableIterator<RTCStats & Partial<RTCInboundRtpStreamStats>>) {
        if (report.type !== 'inbound-rtp') continue;
        framesDecoded += report.framesDecoded ?? 0;
        totalAudioEnergy += report.totalAudioEnergy ?? 0;
        packetsReceived += report.packetsReceived ?? 0;
      }
      rows.push({ producerId, kind: consumer.kind, peer: this.#remote.get(producerId)?.peer.id ?? '', framesDecoded, totalAudioEnergy, packetsReceived });
    }
    return rows;
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    clearInterval(this.#linkTimer);
    this.#teardownTransports();
    for (const player of this.#players.values()) player.remove();
    this.#players.clear();
    this.#setState('closed');
    this.#listeners.clear();
    for (const track of this.#local?.getTracks() ?? []) track.stop();
    await this.#leave();
  }

  async #leave(): Promise<void> {
    if (this.connection.socket.connected) await this.connection.request('media:leave', { sessionId: this.sessionId }).catch(() => {});
  }
}
