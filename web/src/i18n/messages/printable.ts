// The printable renditions of a signed document: its PDF (typeset by the server at freeze)
// and its signature page (签署页, made at archiving).
export default {
  'zh-CN': {
    printable: {
      openPdf: '打开 PDF 版本（可打印）',
      noPdf: '此版本没有 PDF 版本：定稿时服务器没有可用的中文字体。可用“打印纪要”打印上方文本。',
      signaturePage: '打开签署页',
    },
  },
  en: {
    printable: {
      openPdf: 'Open the PDF (printable)',
      noPdf: 'This version has no PDF: the server had no Chinese font when it was frozen. Use “Print minutes” to print the text above.',
      signaturePage: 'Open the signature page',
    },
  },
}
