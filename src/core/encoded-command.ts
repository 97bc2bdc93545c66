/**
 * Commands whose wire form (RESP) is encoded here, into one Buffer, instead of by ioredis.
 * ioredis encodes a command argument by argument (a header string, a length, a copy, per
 * argument, then a Buffer of the pieces); the fleet sends one script call of some twenty
 * arguments per session, and that was a tenth of its client's work and garbage. Here the
 * text arguments and their headers become one string, written once, around the few Buffer
 * arguments. ioredis still sends it, queues it and matches its reply (`sendCommand`).
 */
import { Command } from 'ioredis';

/** RESP of one command: `*<n>` then `$<byte length>` and the bytes of the name and each argument. */
export function encodeCommand(name: string, args: readonly (string | Buffer)[]): Buffer {
  const pieces: Array<string | Buffer> = [];
  let text = `*${args.length + 1}\r\n$${Buffer.byteLength(name)}\r\n${name}\r\n`;
  for (const arg of args) {
    if (typeof arg === 'string') text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    else {
      pieces.push(`${text}$${arg.length}\r\n`, arg);
      text = '\r\n';
    }
  }
  pieces.push(text);
  let size = 0;
  for (const p of pieces) size += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of pieces) at += typeof p === 'string' ? out.write(p, at) : p.copy(out, at);
  return out;
}

/** A command sent as {@link encodeCommand} encoded it; replies decoded as UTF-8 text, like ioredis' own. */
export class EncodedRedisCall extends Command {
  private readonly wire: Buffer;

  constructor(name: string, args: readonly (string | Buffer)[]) {
    // The arguments are not kept: the wire form has them, and an error names the command.
    super(name, [], { replyEncoding: 'utf8' });
    this.wire = encodeCommand(name, args);
  }

  override toWritable(): Buffer {
    return this.wire;
  }
}
