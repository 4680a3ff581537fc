/** Renders DingTalk markdown readably in a terminal (bold, links, quotes), colours only on a TTY. */
export function renderMarkdown(md: string, color = process.stdout.isTTY === true): string {
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[22m` : s)
  const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[22m` : s)
  return md
    .split('\n')
    .map((line) => {
      let l = line.replace(/\s+$/, '')
      const quote = /^>\s?/.test(l)
      l = l.replace(/^>\s?/, '')
      l = l.replace(/\[([^\]]+)\]\(([^)]+)\)/g, (_m, t: string, u: string) => `${t} <${u}>`)
      l = l.replace(/\*\*([^*]+)\*\*/g, (_m, t: string) => bold(t))
      l = l.replace(/`([^`]+)`/g, '$1').replace(/\\([\\`*_[\]#>|])/g, '$1')
      return quote ? dim(`│ ${l}`) : l
    })
    .join('\n')
}
