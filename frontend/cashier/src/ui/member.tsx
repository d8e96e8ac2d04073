/** Member at the register: scan or type a phone / member code, see points and rewards. */
import { useState } from "preact/hooks";
import { ApiError } from "../lib/api.ts";
import type { Till } from "../lib/db.ts";
import { ago } from "../lib/ago.ts";
import { enroll, lookup, type Member } from "../lib/loyalty.ts";

export function MemberBar({ db, token, member, onMember }: {
  db: Till; token: string; member: Member | null; onMember: (m: Member | null) => void;
}) {
  const [text, setText] = useState("");
  const [note, setNote] = useState("");
  const [canEnroll, setCanEnroll] = useState(false);
  const find = async () => {
    setNote(""); setCanEnroll(false);
    try {
      const found = await lookup(db, token, text);
      if (found) onMember(found);
      else { setNote("No member with that phone or code."); setCanEnroll(/^[+\d]/.test(text.trim())); }
    } catch (err) {
      if (err instanceof ApiError) { setNote(`Lookup refused (${err.status}).`); return; }
      const phoneLike = /^[+\d][\d\s-]{5,}$/.test(text.trim());
      setNote(phoneLike ? "Offline, and this number is not on this till yet. Enrol them now: they join when the till syncs."
                        : "Offline and this member is not on this till.");
      setCanEnroll(phoneLike);
    }
  };
  const join = async () => {
    try { onMember(await enroll(db, token, text.trim())); setCanEnroll(false); setNote(""); }
    catch (err) { setNote(err instanceof ApiError ? `Enrolment refused (${err.status}).` : "Enrolment needs the server."); }
  };
  if (member) {
    return (
      <div class="member" data-testid="member">
        <div class="who"><b data-testid="member-name">{member.name || "Member"}</b>
          {member.tier && <span class="pill">{member.tier}</span>}
          <span class="small"> {member.phone ? `•••• ${member.phone.slice(-4)}` : member.member_code}</span></div>
        <div class="balance"><span data-testid="member-points">{member.spendable} {member.points_name}</span>
          {member.pending > 0 && <span class="small"> (+{member.pending} pending)</span>}</div>
        {member.temporary
          ? <p class="pill warn" data-testid="member-temporary">New member: joins when the till syncs (points count from this sale)</p>
          : member.stale
          ? <p class="pill warn" data-testid="member-stale">Offline: balance last confirmed {ago(member.fetched_at)}; it may have changed since</p>
          : <p class="small" data-testid="member-confirmed">Balance confirmed {ago(member.fetched_at)}</p>}
        <ul class="rewards">
          {member.rewards.map((r) => (
            <li key={r.id} class={r.eligible ? "" : "locked"}>{r.name} · {r.points_cost}
              {!r.eligible && <span class="small"> — {(r.reason_text ?? []).join("; ")}</span>}</li>
          ))}
        </ul>
        <button class="link" onClick={() => onMember(null)}>remove member</button>
      </div>
    );
  }
  return (
    <div class="member">
      <input data-testid="member-input" placeholder="Member phone or code" value={text}
             onInput={(e) => setText((e.target as HTMLInputElement).value)}
             onKeyDown={(e) => { if (e.key === "Enter") void find(); }} />
      <button data-testid="member-find" onClick={() => void find()}>Find member</button>
      {canEnroll && <button data-testid="member-enroll" onClick={() => void join()}>Enrol {text.trim()}</button>}
      {note && <p class="small" role="status">{note}</p>}
    </div>
  );
}
