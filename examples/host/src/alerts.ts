import type { TicketEvent } from '@ticketbridge/core';

/** An alert the example host raises on a ticket. */
export interface Alert {
  at: string;
  connectionId: string;
  platform: string;
  ticketId: string;
  subject: string;
  reasons: string[];
  url: string | null;
}

const HOSTILE = [/\bunacceptable\b/i, /\blawyer|legal action|sue\b/i, /\bworst\b/i, /\bfurious|outraged|angry\b/i, /\bscam|fraud\b/i, /\bcancel (my|our) (account|subscription)\b/i, /!!+/];

/**
 * The host's own logic, standing in for "the service that analyses tickets": flag hostile wording, escalations
 * to urgent, and reopened tickets. It uses `event.changes`, so it needs no copy of its own of earlier versions.
 */
export function analyse(event: TicketEvent): Alert | undefined {
  const t = event.ticket;
  const reasons: string[] = [];
  const text = `${t.subject}\n${t.description}`;
  const hits = HOSTILE.filter((re) => re.test(text));
  if (hits.length && event.type !== 'ticket.deleted') reasons.push(`hostile wording (${hits.length} signal${hits.length > 1 ? 's' : ''})`);
  if (event.changes?.priority?.to === 'urgent') reasons.push(`priority ${event.changes.priority.from ?? 'none'} → urgent`);
  if (event.changes?.status && ['solved', 'closed'].includes(event.changes.status.from) && event.changes.status.to === 'open') reasons.push('reopened');
  if (!reasons.length) return undefined;
  return { at: event.receivedAt, connectionId: event.connectionId, platform: t.platform, ticketId: t.externalId, subject: t.subject, reasons, url: t.url };
}
