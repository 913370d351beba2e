// Any live document page: the saved indicator, who is here, the editor's toolbar. A page may
// say some of these its own way (the meeting room's `room.sync.refused`, `room.presence.title`).
export default {
  'zh-CN': {
    doc: {
      sync: {
        connecting: '正在连接',
        connectingHint: '正在连接协同服务…',
        saving: '正在保存',
        savingHint: '还有 {n} 处修改等待服务器确认',
        saved: '已保存',
        savedHint: '所有修改均已由服务器确认保存',
        offline: '离线',
        offlineHint: '您的修改已保留在本机，恢复连接后将自动合并',
        refused: '文档已只读，最近的修改未被接受',
      },
      presence: { title: '在线人员', me: '我', nobody: '暂无他人在线' },
      editor: {
        toolbar: '格式工具栏',
        bold: '加粗',
        italic: '倾斜',
        underline: '下划线',
        strike: '删除线',
        h1: '一级标题',
        h2: '二级标题',
        h3: '三级标题',
        bulletList: '无序列表',
        orderedList: '有序列表',
        blockquote: '引用',
      },
    },
  },
  en: {
    doc: {
      sync: {
        connecting: 'Connecting',
        connectingHint: 'Connecting to the collaboration service…',
        saving: 'Saving',
        savingHint: '{n} change(s) waiting for the server to confirm',
        saved: 'Saved',
        savedHint: 'The server confirmed every change',
        offline: 'Offline',
        offlineHint: 'Your changes are kept in this browser and will merge when the connection is back',
        refused: 'The document is read-only; recent changes were not accepted',
      },
      presence: { title: 'Online now', me: 'me', nobody: 'Nobody else is here' },
      editor: {
        toolbar: 'Formatting',
        bold: 'Bold',
        italic: 'Italic',
        underline: 'Underline',
        strike: 'Strikethrough',
        h1: 'Heading 1',
        h2: 'Heading 2',
        h3: 'Heading 3',
        bulletList: 'Bulleted list',
        orderedList: 'Numbered list',
        blockquote: 'Quote',
      },
    },
  },
}
