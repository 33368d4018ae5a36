/**
 * amo stores moments as unix seconds and shows them in the account's time zone
 * (GET /api/v4/account?with=datetime_settings). A deadline "that day, end of the working day"
 * is computed in that zone, whatever zone this server runs in.
 */
function offsetMs(utcMs: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - utcMs;
}

/** Unix seconds of `day` (YYYY-MM-DD) at `time` (HH:MM) in `timezone`. */
export function zonedUnix(day: string, time: string, timezone: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  const [year, month, date] = day.split('-').map(Number);
  const asUtc = Date.UTC(year ?? 1970, (month ?? 1) - 1, date ?? 1, hours ?? 0, minutes ?? 0);
  // Two passes settle days when the offset changes (DST) between the guess and the answer.
  let guess = asUtc - offsetMs(asUtc, timezone);
  guess = asUtc - offsetMs(guess, timezone);
  return Math.floor(guess / 1000);
}
