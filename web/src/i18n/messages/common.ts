// Strings shared by every page: the frame, actions, errors.
export default {
  'zh-CN': {
    app: { title: '执法协调平台', language: '语言', signOut: '退出登录', loading: '加载中…', menu: '导航菜单',
      connection: {
        online: '在线', reconnecting: '正在重新连接', offline: '已离线',
        onlineHint: '网络与实时服务均已连接',
        reconnectingHint: '与服务器的实时连接中断，正在自动重新连接；此间的修改将在恢复后同步',
        offlineHint: '本机网络已断开；恢复网络后将自动重新连接并同步修改',
      },
    },
    nav: {
      dashboard: '工作台', meetings: '协调会议', tasks: '任务督办', inbox: '通知收件箱', verify: '纪要核验',
    },
    actions: {
      save: '保存', cancel: '取消', confirm: '确定', refresh: '刷新', back: '返回', submit: '提交',
      download: '下载', retry: '重试',
    },
    notFound: { title: '页面不存在', hint: '地址有误，或该内容已被删除。' },
    errors: {
      failed: '{action}失败：{reason}',
      bad_request: '提交的内容有误',
      unauthenticated: '登录已失效，请重新登录',
      forbidden: '您没有执行此操作的权限',
      not_found: '要找的内容不存在或您无权查看',
      conflict: '与当前状态冲突（可能已被他人修改），请刷新后重试',
      payload_too_large: '文件或内容过大',
      too_many_requests: '尝试次数过多，请稍后再试',
      unavailable: '服务暂时不可用，请稍后再试',
      internal: '服务器内部错误，请联系管理员',
      network: '网络连接失败，请检查网络',
      invalid_response: '服务器返回了无法识别的内容',
      unknown: '发生未知错误',
    },
  },
  en: {
    app: { title: 'Enforcement coordination', language: 'Language', signOut: 'Sign out', loading: 'Loading…', menu: 'Navigation',
      connection: {
        online: 'Online', reconnecting: 'Reconnecting', offline: 'Offline',
        onlineHint: 'The network and live updates are connected',
        reconnectingHint: 'The live connection to the server dropped and is being re-established; changes made meanwhile are sent once it is back',
        offlineHint: 'This device has no network; it reconnects and sends your changes once the network is back',
      },
    },
    nav: {
      dashboard: 'Dashboard', meetings: 'Meetings', tasks: 'Tasks', inbox: 'Inbox', verify: 'Verify minutes',
    },
    actions: {
      save: 'Save', cancel: 'Cancel', confirm: 'OK', refresh: 'Refresh', back: 'Back', submit: 'Submit',
      download: 'Download', retry: 'Retry',
    },
    notFound: { title: 'Page not found', hint: 'The address is wrong, or the content was removed.' },
    errors: {
      failed: '{action} failed: {reason}',
      bad_request: 'what was submitted is not valid',
      unauthenticated: 'your session has ended; please sign in again',
      forbidden: 'you may not do this',
      not_found: 'it does not exist or you may not see it',
      conflict: 'it conflicts with the current state (someone may have changed it); refresh and try again',
      payload_too_large: 'the file or content is too large',
      too_many_requests: 'too many attempts; try again later',
      unavailable: 'the service is unavailable for the moment; try again later',
      internal: 'the server failed; please tell your administrator',
      network: 'the network connection failed',
      invalid_response: 'the server answered something unreadable',
      unknown: 'something unexpected went wrong',
    },
  },
}
