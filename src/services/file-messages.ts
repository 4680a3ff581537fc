import { LIMIT_SETTINGS, MB } from '../core/file-limits.js'
import type { FileError } from './file-common.js'

/**
 * A FileError in Chinese, for every surface: chat replies (inbound-file.ts builds on it), `andy import`
 * / `andy ops-report` errors, and the HTTP API's msg. `admin` adds the setting that raises a cap
 * (admins run the CLI and the API; chat users cannot change settings).
 */

const n = (v: number) => v.toLocaleString('en-US')
const mb = (v: number) => `${Math.round(v / MB).toLocaleString('en-US')} MB`

/** What was too much, e.g. 「解压后超过 200 MB」. */
function limitText(err: FileError): string {
  const d = err.detail
  const max = d.max ?? 0
  const part = d.part ? `其中的「${d.part}」` : ''
  switch (d.limit) {
    case 'unpacked':
      return `解压后的内容超过 ${mb(max)}`
    case 'part':
      return `${part || '其中一部分'}解压后超过 ${mb(max)}`
    case 'ratio':
      return `${part}压缩比达到 ${n(d.actual ?? 0)} 倍（上限 ${n(max)} 倍），这是“压缩炸弹”的特征`
    case 'entries':
      return `内部包含 ${n(d.actual ?? 0)} 个文件（上限 ${n(max)} 个）`
    case 'rows':
      return `超过 ${n(max)} 行`
    case 'columns':
      return `有一行超过 ${n(max)} 列`
    case 'cells':
      return `超过 ${n(max)} 个单元格`
    case 'chars':
      return `文字超过 ${n(max)} 个字符`
    case 'pages':
      return `有 ${n(d.actual ?? 0)} 页（上限 ${n(max)} 页）`
    case 'pixels':
      return `图片声明的尺寸是 ${d.dims ?? ''}（${n(Math.round((d.actual ?? 0) / 1e6))} 百万像素，上限 ${n(Math.round(max / 1e6))} 百万像素）`
    case 'memory':
      return `读取时占用的内存超过上限（${n(max)} MB）`
    default:
      return '超过了 Andy 的读取上限'
  }
}

export function describeFileError(err: FileError, fileName?: string, o: { admin?: boolean } = {}): string {
  const name = fileName ? `「${fileName}」` : '这个文件'
  switch (err.code) {
    case 'limit': {
      const setting =
        o.admin && err.detail.limit ? `（上限由 ${LIMIT_SETTINGS[err.detail.limit]} 设置，见 docs/files.md）` : ''
      return `${name}${limitText(err)}，为安全起见 Andy 没有继续读取${setting}。如果是正常文件，请拆分成几个小文件，或只保留需要的部分后再${o.admin ? '试' : '发'}。`
    }
    case 'corrupt':
      if (err.detail.crashed)
        return `读取${name}时解析程序意外停止了，Andy 本身不受影响。请稍后再试；如果一直这样，请把文件另存一份（或转成 PDF）再发。`
      return `${name}打不开：文件已损坏，或不是它的扩展名所说的格式（例如改了扩展名的文件）。请用 Excel/Word/WPS 打开后重新另存一份再试。`
    case 'encrypted':
      return `${name}有密码保护，Andy 打不开。请去掉密码后再发。`
    case 'timeout':
      return `${name}太复杂，读取超时了。可以把需要的部分另存为一个小一些的文件再试。`
    case 'empty':
      return `${name}里没有找到内容。`
    case 'too_large':
      return `${name}太大了，请压缩或拆分后再试。`
    case 'encoding':
      return `${name}的文字编码无法识别（不是 UTF-8、UTF-16 或 GBK/GB18030），Andy 不会按猜测的编码导入乱码。请另存为 UTF-8 CSV 或 .xlsx 后再${o.admin ? '试' : '发'}。`
    case 'legacy_office':
      return `${name}是旧版 Excel（.xls）格式，暂时读不了。请在 Excel/WPS 里另存为 .xlsx 后再${o.admin ? '试' : '发'}。`
    default:
      return `${name}的格式读不了（${err.message}）。`
  }
}
