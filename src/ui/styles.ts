/** One small stylesheet for the embedded pages, close to Bitrix24's and amoCRM's own look. */
export const PAGE_CSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#333;background:#fff}
main{padding:16px 20px;max-width:1100px}h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:20px 0 8px;color:#535c69}
.muted{color:#80868e}.row{display:flex;gap:16px;flex-wrap:wrap;align-items:center}
.badge{display:inline-block;padding:3px 10px;border-radius:12px;font-weight:600;font-size:13px;background:#eef2f4}
.tier-key{background:#2fc6f6;color:#fff}.tier-develop{background:#bbed21;color:#333}.tier-standard{background:#dfe3e6}
.warn{border-color:#f1b33c;background:#fff7e6}.score{font-size:28px;font-weight:700}.card{border:1px solid #e6e9ec;border-radius:8px;padding:12px 14px;margin:8px 0;background:#fbfcfc}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eef0f2;font-size:13px}th{color:#6a737f;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.bar{height:6px;background:#e6e9ec;border-radius:3px;overflow:hidden;min-width:80px}
.bar span{display:block;height:100%;background:#2fc6f6}.up{color:#2e8a36}.down{color:#c0392b}ul.steps{padding-left:18px;margin:4px 0}
.progress{height:10px;background:#e6e9ec;border-radius:5px;overflow:hidden}.progress span{display:block;height:100%;background:#2fc6f6;transition:width .5s}
`;
