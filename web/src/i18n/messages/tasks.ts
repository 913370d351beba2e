// Tasks (任务督办): lists, the task page, its actions and history.
export default {
  'zh-CN': {
    tasks: {
      title: '任务督办',
      lists: { open: '本单位承办', overdue: '已逾期', set_by_us: '本单位交办' },
      listHint: {
        open: '交给本单位办理、尚未办结的任务',
        overdue: '交给本单位办理、已超过办理期限的任务',
        set_by_us: '本单位交办给其他单位的全部任务',
      },
      empty: { open: '暂无待办任务', overdue: '暂无逾期任务', set_by_us: '本单位尚未交办任务' },
      columns: {
        title: '任务名称', state: '状态', due: '办理期限', setter: '交办单位', assignee: '承办单位', updated: '最近更新',
      },
      state: {
        created: '待下发', dispatched: '已下发', acknowledged: '已签收', in_progress: '办理中', submitted: '已反馈',
        verified: '已核验', closed: '已办结', returned: '已退回', cancelled: '已撤销',
      },
      command: {
        dispatch: '下发', acknowledge: '签收', start: '开始办理', submit: '提交反馈', verify: '核验通过',
        reopen: '退回重办', close: '办结', return: '退回', reassign: '重新交办', cancel: '撤销',
      },
      commandDone: {
        dispatch: '任务已下发', acknowledge: '已签收', start: '已开始办理', submit: '反馈已提交', verify: '已核验通过',
        reopen: '已退回重办', close: '任务已办结', return: '任务已退回', reassign: '已重新交办', cancel: '任务已撤销',
      },
      party: { setter: '交办单位', assignee: '承办单位' },
      myParty: { setter: '本单位为交办单位', assignee: '本单位为承办单位', supervisor: '本单位为监督机关（只读）' },
      source: {
        direct: '直接交办', agreed_item: '会议议定事项', dispute_decision: '争议协调意见', investigation: '联合调查', supervision: '监督文书',
      },
      deadline: { overdue: '已逾期', due_soon: '即将到期', on_track: '期限内', stopped: '' },
      limit: { calendar_days: '{n} 个自然日', working_days: '{n} 个工作日', hours: '{n} 小时' },
      history: {
        title: '办理记录', empty: '暂无办理记录',
        kind: {
          transition: '状态变更', comment: '意见', attachment: '上传附件', extension_requested: '申请延期',
          extension_decided: '延期审批', reminder: '到期提醒', overdue: '催办', escalated: '督办',
        },
        transition: '由“{from}”变为“{to}”',
        created: '创建任务（{to}）',
        newDue: '申请延期至 {date}',
        granted: '同意延期',
        refused: '不同意延期',
        system: '系统',
      },
      fields: {
        setter: '交办单位', assignee: '承办单位', state: '状态', due: '办理期限', limit: '期限要求', source: '任务来源',
        sourceRef: '来源说明', openSource: '查看来源', started: '下发时间', created: '创建时间', updated: '最近更新', feedbackRequired: '反馈要求',
        body: '任务内容', feedback: '办理反馈', myParty: '本单位角色',
      },
      actions: { title: '可执行的操作', none: '当前状态下本单位无需操作' },
      attachments: {
        title: '佐证材料', empty: '暂无附件', upload: '上传附件', uploading: '正在上传…', download: '下载',
        by: '{org} 上传于 {at}', choose: '选择文件', chosen: '已选 {n} 个文件', action: '上传附件',
      },
      extensions: {
        title: '延期申请', empty: '暂无延期申请', request: '申请延期', newDue: '申请延至', reason: '延期理由',
        requested: '{at} 申请延至 {date}', state: { pending: '待审批', granted: '已同意', refused: '未同意' },
        grant: '同意', refuse: '不同意', note: '审批意见（可选）', decided: '{at} 审批',
        action: '申请延期', decideAction: '审批延期申请', sent: '延期申请已提交', decidedOk: '已审批',
        hint: '办理期限届满前可申请延期，须写明理由；交办单位审批后生效。',
      },
      comments: { title: '留言', placeholder: '写下给对方单位的说明…', send: '发送留言', action: '发送留言', sent: '留言已发送' },
      dialog: {
        reason: '理由', reasonPlaceholder: '请写明理由', feedback: '反馈内容', feedbackPlaceholder: '请说明办理情况和结果',
        evidence: '佐证材料（可选，可多选）', assignee: '新的承办单位', newDue: '新的办理期限（可选）',
        note: '说明（可选）', confirmClose: '办结后任务不能再变更，确定办结吗？', confirmTitle: '请确认',
      },
      form: {
        feedbackRequired: '请填写反馈内容', reasonRequired: '请填写理由', assigneeRequired: '请选择新的承办单位',
        dueRequired: '请选择新的期限', dueAfter: '新的期限须晚于当前期限',
      },
      create: {
        button: '交办任务', title: '交办新任务', name: '任务名称', body: '任务内容', assignee: '承办单位',
        deadlineKind: '期限方式', byDays: '按工作日', byDate: '指定日期', days: '工作日数', dueAt: '截止时间',
        deadlineRule: '期限不含交办当日，截至最后一个工作日 24 时（显示为该日 23:59）。',
        feedbackRequired: '反馈要求（可选）', submit: '交办并下发', action: '交办任务', created: '任务已交办',
        nameRequired: '请填写任务名称', bodyRequired: '请填写任务内容', assigneeRequired: '请选择承办单位', dueRequired: '请设置期限',
      },
      size: { b: '{n} 字节', kb: '{n} 千字节', mb: '{n} 兆字节' },
      load: '读取任务', act: '办理任务', stale: '任务已被他人更新，已重新读取，请核对后再操作',
      back: '返回任务列表', detail: '任务详情', overdueTag: '已逾期', count: '共 {n} 项',
      notFound: '任务不存在或本单位无权查看',
    },
  },
  en: {
    tasks: {
      title: 'Tasks',
      lists: { open: 'Assigned to us', overdue: 'Overdue', set_by_us: 'Set by us' },
      listHint: {
        open: 'Tasks our body must do that are not finished',
        overdue: 'Tasks our body must do whose deadline has passed',
        set_by_us: 'Every task our body set for other bodies',
      },
      empty: { open: 'No open tasks', overdue: 'No overdue tasks', set_by_us: 'Our body has set no tasks' },
      columns: {
        title: 'Task', state: 'State', due: 'Deadline', setter: 'Setting body', assignee: 'Assigned body', updated: 'Updated',
      },
      state: {
        created: 'Draft', dispatched: 'Dispatched', acknowledged: 'Acknowledged', in_progress: 'In progress', submitted: 'Submitted',
        verified: 'Verified', closed: 'Closed', returned: 'Returned', cancelled: 'Cancelled',
      },
      command: {
        dispatch: 'Dispatch', acknowledge: 'Acknowledge', start: 'Start', submit: 'Submit feedback', verify: 'Verify',
        reopen: 'Reopen', close: 'Close', return: 'Return', reassign: 'Reassign', cancel: 'Cancel task',
      },
      commandDone: {
        dispatch: 'Task dispatched', acknowledge: 'Acknowledged', start: 'Work started', submit: 'Feedback submitted', verify: 'Verified',
        reopen: 'Reopened', close: 'Task closed', return: 'Task returned', reassign: 'Task reassigned', cancel: 'Task cancelled',
      },
      party: { setter: 'Setting body', assignee: 'Assigned body' },
      myParty: { setter: 'We set this task', assignee: 'We must do this task', supervisor: 'We supervise this task (read only)' },
      source: {
        direct: 'Set directly', agreed_item: 'Agreed item of minutes', dispute_decision: 'Dispute decision', investigation: 'Joint investigation', supervision: 'Supervision document',
      },
      deadline: { overdue: 'Overdue', due_soon: 'Due soon', on_track: 'On track', stopped: '' },
      limit: { calendar_days: '{n} calendar days', working_days: '{n} working days', hours: '{n} hours' },
      history: {
        title: 'History', empty: 'Nothing recorded yet',
        kind: {
          transition: 'State change', comment: 'Comment', attachment: 'File attached', extension_requested: 'Extension requested',
          extension_decided: 'Extension decided', reminder: 'Reminder', overdue: 'Overdue reminder', escalated: 'Escalated',
        },
        transition: '{from} → {to}',
        created: 'Created ({to})',
        newDue: 'asks for a deadline of {date}',
        granted: 'Extension granted',
        refused: 'Extension refused',
        system: 'System',
      },
      fields: {
        setter: 'Setting body', assignee: 'Assigned body', state: 'State', due: 'Deadline', limit: 'Time limit', source: 'Source',
        sourceRef: 'Source reference', openSource: 'Open the source', started: 'Dispatched at', created: 'Created', updated: 'Updated', feedbackRequired: 'Feedback asked for',
        body: 'What to do', feedback: 'Feedback', myParty: 'Our role',
      },
      actions: { title: 'What you can do', none: 'Nothing for our body to do in this state' },
      attachments: {
        title: 'Evidence', empty: 'No files', upload: 'Attach files', uploading: 'Uploading…', download: 'Download',
        by: 'by {org} at {at}', choose: 'Choose files', chosen: '{n} files chosen', action: 'Attaching a file',
      },
      extensions: {
        title: 'Extension requests', empty: 'No extension requests', request: 'Ask for an extension', newDue: 'New deadline', reason: 'Reason',
        requested: '{at}: asks for {date}', state: { pending: 'Pending', granted: 'Granted', refused: 'Refused' },
        grant: 'Grant', refuse: 'Refuse', note: 'Note (optional)', decided: 'decided {at}',
        action: 'Asking for an extension', decideAction: 'Deciding the extension', sent: 'Extension requested', decidedOk: 'Decided',
        hint: 'Ask before the deadline, with a reason; the setting body decides.',
      },
      comments: { title: 'Comments', placeholder: 'A note for the other body…', send: 'Send', action: 'Sending the comment', sent: 'Comment sent' },
      dialog: {
        reason: 'Reason', reasonPlaceholder: 'Say why', feedback: 'Feedback', feedbackPlaceholder: 'What was done and what came of it',
        evidence: 'Evidence files (optional, several allowed)', assignee: 'New assigned body', newDue: 'New deadline (optional)',
        note: 'Note (optional)', confirmClose: 'A closed task cannot change any more. Close it?', confirmTitle: 'Please confirm',
      },
      form: {
        feedbackRequired: 'Write the feedback', reasonRequired: 'Write the reason', assigneeRequired: 'Choose the new assigned body',
        dueRequired: 'Choose the new deadline', dueAfter: 'The new deadline must be later than the current one',
      },
      create: {
        button: 'Set a task', title: 'Set a new task', name: 'Title', body: 'What to do', assignee: 'Assigned body',
        deadlineKind: 'Deadline', byDays: 'In working days', byDate: 'On a date', days: 'Working days', dueAt: 'Due at',
        deadlineRule: 'The day of dispatch does not count; the limit ends at midnight of its last working day (shown as 23:59 of that day).',
        feedbackRequired: 'Feedback asked for (optional)', submit: 'Set and dispatch', action: 'Setting the task', created: 'Task set',
        nameRequired: 'Write a title', bodyRequired: 'Say what to do', assigneeRequired: 'Choose the assigned body', dueRequired: 'Set a deadline',
      },
      size: { b: '{n} B', kb: '{n} KB', mb: '{n} MB' },
      load: 'Loading tasks', act: 'Acting on the task', stale: 'Someone else changed the task; it was reloaded, check it and try again',
      back: 'Back to tasks', detail: 'Task', overdueTag: 'Overdue', count: '{n} in all',
      notFound: 'No such task, or our body may not see it',
    },
  },
}
