import { createServer as createHttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, Server, Socket } from 'node:net';
import type { TlsIdentity } from './self-signed-certificate';

/** First byte of a TLS ClientHello record. */
const TLS_HANDSHAKE = 0x16;

/**
 * One port that answers both plain http (what `url` advertises) and https (what the
 * kubeconfig names, so kubectl sends its token), told apart by the first byte.
 */
export class DualProtocolServer {
  private readonly net: Server;
  private readonly http;
  private readonly https;
  private readonly sockets = new Set<Socket>();

  constructor(handler: (req: IncomingMessage, res: ServerResponse) => void, tls: TlsIdentity) {
    this.http = createHttpServer(handler);
    this.https = createHttpsServer({ key: tls.key, cert: tls.cert }, handler);
    this.net = createNetServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.once('data', (first: Buffer) => {
        socket.pause();
        socket.unshift(first);
        (first[0] === TLS_HANDSHAKE ? this.https : this.http).emit('connection', socket);
        process.nextTick(() => socket.resume());
      });
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.net.once('error', reject);
      this.net.listen(port, host, () => {
        const address = this.net.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.net.close(() => resolve());
      this.http.closeAllConnections();
      this.https.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }
}
