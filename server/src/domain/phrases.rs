//! The catalogue of what the server says to people: each
//! [`Phrase`](super::message::Phrase) once, by its stable code, in Chinese and English ([`super::message`] explains how they are used). The rules of a
//! workflow's machine are declared beside it with the same macro ([`catalogue!`]);
//! [`super::catalogue`] walks them all.
//!
//! Write as a government office writes to a colleague: 您, full sentences, the rule and what
//! to do next; English says the same plainly.

/// Declares phrases, each a `pub static`, and `$list`, every one of them, for the walk.
/// A workflow declares its rules with it beside its machine (`catalogue! { RULES: … }`);
/// [`everything`] names each such list.
macro_rules! catalogue {
    ($list:ident: $($name:ident = $code:literal, $zh:literal, $en:literal;)*) => {
        $(
            pub static $name: $crate::domain::message::Phrase =
                $crate::domain::message::Phrase { code: $code, zh: $zh, en: $en };
        )*
        /// Every phrase declared here, for the catalogue's walk.
        pub static $list: &[&$crate::domain::message::Phrase] = &[$(&$name),*];
    };
}

pub(crate) use catalogue;

catalogue! { ALL:
    // ---- the general sentence of each kind of refusal (before English words) ----
    GENERAL_BAD_REQUEST = "general.bad_request",
        "请求内容有误",
        "the request is not valid";
    GENERAL_UNAUTHENTICATED = "general.unauthenticated",
        "请先登录",
        "sign in first";
    GENERAL_FORBIDDEN = "general.forbidden",
        "您无权进行此操作",
        "you may not do this";
    GENERAL_NOT_FOUND = "general.not_found",
        "未找到，或您无权查看",
        "not found, or not visible to you";
    GENERAL_CONFLICT = "general.conflict",
        "当前状态下不能进行此操作",
        "this cannot be done in the current state";
    GENERAL_TOO_LARGE = "general.too_large",
        "提交的内容过大",
        "what was sent is too large";
    GENERAL_TOO_MANY = "general.too_many",
        "操作过于频繁，请稍后再试",
        "too many attempts; try again later";
    UNAVAILABLE = "general.unavailable",
        "服务暂时不可用，请稍后再试",
        "the service is temporarily unavailable; try again shortly";
    DRAINING = "general.draining",
        "本节点正在停机，请稍后重试，其他节点将为您服务",
        "this node is shutting down; try again, another node will answer";
    SAME_CODE_OR_NAME = "general.same_code_or_name",
        "已存在相同代码或名称的记录",
        "something with the same code or name already exists";
    MISSING_REFERENCE = "general.missing_reference",
        "请求中引用的对象不存在",
        "the request refers to something that does not exist";
    UNSTORABLE = "general.unstorable",
        "请求中含有无法保存的字符（如 NUL）",
        "the request holds a character that cannot be stored (such as NUL)";
    INTERNAL = "general.internal",
        "服务器内部出错，已记录，请稍后再试或联系系统管理员",
        "something went wrong on our side; it has been logged";

    // ---- values as people type them ----
    UNKNOWN_WORD = "value.unknown_word",
        "无法识别的取值 {value}，应为以下之一：{expected}",
        "unknown value {value}; expected one of: {expected}";
    REGION_CODE = "value.region_code",
        "区划代码 {code} 不是行政区划代码（6、9 或 12 位数字）",
        "region code {code} is not an administrative division code (6, 9 or 12 digits)";
    ORG_CODE = "value.org_code",
        "单位代码 {code} 须为 1 至 {max} 个字母、数字或 '-'、'_'、'.'",
        "organization code {code} must be 1 to {max} letters, digits, '-', '_' or '.'";
    NAME_EMPTY = "value.name_empty",
        "名称不能为空",
        "a name must not be empty";
    NAME_TOO_LONG = "value.name_too_long",
        "名称最多 {max} 个字，此名称有 {chars} 个字",
        "a name may have at most {max} characters; this one has {chars}";
    NAME_CONTROL = "value.name_control",
        "名称中不能含有控制字符",
        "a name must not contain control characters";
    USERNAME = "value.username",
        "用户名 {name} 须为 2 至 64 个字母、数字或 '.'、'_'、'-'、'@'",
        "user name {name} must be 2 to 64 letters, digits, '.', '_', '-' or '@'";
    MONTH_DAY = "value.month_day",
        "{value} 不是“月-日”格式的日期（如 06-30）",
        "{value} is not a day of the year as MM-DD, e.g. 06-30";
    COMMAND_MISMATCH = "value.command_mismatch",
        "地址中的命令是 {command}，请求内容不能指定其他命令",
        "the address names the command {command}; the body must not name another";
    CALENDAR_NOT_A_YEAR_FILE = "calendar.not_a_year_file",
        "这不是工作日历年度文件（{why}）：应有 year、source 和 days，days 中每一项有 date、kind 和 name",
        "not a calendar year file ({why}); expected year, source and days, each day with date, kind and name";
    CALENDAR_NOT_A_DATE = "calendar.not_a_date",
        "{date} 不是 YYYY-MM-DD 格式的日期（如 2026-10-01）",
        "{date} is not a date written as YYYY-MM-DD (e.g. 2026-10-01)";
    CALENDAR_OTHER_YEAR = "calendar.other_year",
        "{date} 不在 {year} 年内：年度文件只列本年的日期",
        "{date} is not in {year}: a year file lists only its own year's days";
    CALENDAR_UNKNOWN_KIND = "calendar.unknown_kind",
        "{date}：无法识别的类型 {kind}，应为 \"holiday\"（法定节假日）或 \"workday\"（调休上班）",
        "{date}: unknown kind {kind}; expected \"holiday\" (法定节假日) or \"workday\" (调休上班)";
    CALENDAR_TWICE = "calendar.twice",
        "{date} 重复列出",
        "{date} is listed twice";
    CALENDAR_WORKDAY_ON_WEEKDAY = "calendar.workday_on_weekday",
        "{date} 是{weekday}，本来就是工作日：只有周六或周日才能调休上班",
        "{date} is a {weekday}, already a working day: only a Saturday or Sunday can be a worked weekend day (调休上班)";

    // ---- importing the directory ----
    IMPORT_NOTHING = "import.nothing",
        "没有可导入的内容：请提供行政区划、单位和/或人员 CSV 文件",
        "nothing to import: give regions, organizations and/or users";
    IMPORT_AT_LINE = "import.at_line",
        "{file} 第 {line} 行有误：{why}",
        "{file} line {line}: {why}";
    IMPORT_UNREADABLE = "import.unreadable",
        "无法读取此行（{why}）",
        "{why}";
    IMPORT_REPEATED = "import.repeated",
        "{key} 与第 {earlier} 行重复",
        "{key} is also on line {earlier}";
    IMPORT_CYCLE = "import.cycle",
        "本文件中的上级关系经 {key} 形成循环",
        "the parents in this file make a cycle through {key}";
    IMPORT_ITEM = "import.item",
        "{item}有误：{why}",
        "{item}: {why}";
    IMPORT_ITEM_AT_LINE = "import.item_at_line",
        "{file} 第 {line} 行（{key}）",
        "{file} line {line} ({key})";
    IMPORT_ITEM_NTH = "import.item_nth",
        "第 {n} 个{noun}（{key}）",
        "{noun} {n} ({key})";
    IMPORT_KEY_CODE = "import.key_code",
        "代码 {code}",
        "code {code}";
    IMPORT_KEY_USERNAME = "import.key_username",
        "用户名 {name}",
        "user name {name}";
    IMPORT_SAME_KEY = "import.same_key",
        "已存在相同代码、用户名或 OpenID 身份的记录",
        "something with the same code, user name or OpenID identity already exists";
    IMPORT_MISSING_REFERENCE = "import.missing_reference",
        "所引用的对象不存在",
        "it refers to something that does not exist";
    IMPORT_REGION_TWICE = "import.region_twice",
        "区划 {code} 在本次导入中重复出现",
        "the region {code} appears twice in this import";
    IMPORT_REGION_LEVEL = "import.region_level",
        "该区划已存为{level}，导入不改变区划的层级",
        "the region is stored at level {level}, and an import does not change a region's level";
    IMPORT_ORG_TWICE = "import.org_twice",
        "单位 {code} 在本次导入中重复出现",
        "the organization {code} appears twice in this import";
    IMPORT_PARENT_NOT_FOUND = "import.parent_not_found",
        "上级单位 {code} 不存在",
        "parent {code} not found";
    IMPORT_ORG_NOT_FOUND = "import.org_not_found",
        "单位 {code} 不存在",
        "organization {code} not found";
    IMPORT_USERNAME_TWICE = "import.username_twice",
        "用户名 {name} 在本次导入中重复出现",
        "the user name {name} appears twice in this import";
    IMPORT_USER_DISAPPEARED = "import.user_disappeared",
        "导入过程中该用户已不存在",
        "the user disappeared during the import";
    IMPORT_USER_ELSEWHERE = "import.user_elsewhere",
        "该用户名属于{body}的人员，导入不在单位之间调动人员",
        "this user name belongs to a person of {body}, and an import does not move people between organizations";
    IMPORT_BODY_ORG = "import.body_org",
        "单位 {code}",
        "the organization {code}";
    IMPORT_BODY_OTHER = "import.body_other",
        "其他单位",
        "another organization";
    IMPORT_BODY_OPERATOR = "import.body_operator",
        "系统管理员（不属于任何单位）",
        "no organization (an operator)";

    // ---- signing in ----
    SIGN_IN_FIRST = "auth.sign_in_first",
        "请先登录",
        "sign in first";
    SESSION_ENDED = "auth.session_ended",
        "您的登录已失效，请重新登录",
        "your session has ended; sign in again";
    ACCOUNT_DISABLED = "auth.account_disabled",
        "该账号已停用，请联系本单位管理员",
        "this account is disabled";
    WRONG_CREDENTIALS = "auth.wrong_credentials",
        "用户名或密码错误",
        "wrong user name or password";
    TOKEN_UNKNOWN = "auth.token_unknown",
        "API 令牌无效、已过期或已吊销",
        "the API token is unknown, expired or revoked";
    TICKET_MALFORMED = "auth.ticket_malformed",
        "票据格式有误",
        "the ticket is malformed";
    TICKET_SIGNATURE = "auth.ticket_signature",
        "票据的签名无效",
        "the ticket's signature is not valid";
    TICKET_EXPIRED = "auth.ticket_expired",
        "票据已过期，请重新获取",
        "the ticket has expired; ask for a new one";
    TICKET_OTHER_DOCUMENT = "auth.ticket_other_document",
        "该票据用于另一份文档",
        "the ticket is for another document";
    SIGN_IN_OR_TICKET = "auth.sign_in_or_ticket",
        "请先登录，或在地址后附上票据 ?ticket=…（由 POST /api/docs/{id}/ticket 取得）",
        "sign in, or add ?ticket=… (POST /api/docs/{id}/ticket gives one)";
    PASSWORD_TOO_SHORT = "auth.password_too_short",
        "密码至少需要 {min} 个字符",
        "a password needs at least {min} characters";
    PASSWORD_TOO_LONG = "auth.password_too_long",
        "密码最多 {max} 个字符",
        "a password may have at most {max} characters";
    WRONG_CURRENT_PASSWORD = "auth.wrong_current_password",
        "当前密码不正确",
        "the current password is not correct";
    ACCOUNT_LOCKED = "auth.account_locked",
        "密码错误次数过多，该账号已暂时锁定，请稍后再试或联系系统管理员",
        "this account is locked after too many wrong passwords; try again later or ask an operator";
    NO_DOCUMENT_ACCESS = "auth.no_document_access",
        "您无权打开此文档",
        "no access to this document";

    // ---- request bodies ----
    BODY_NOT_JSON = "body.not_json",
        "请求内容须为 JSON（Content-Type: application/json）",
        "the request body must be JSON, sent with `Content-Type: application/json`";
    BODY_UNREADABLE = "body.unreadable",
        "请求内容无法读取",
        "the request body could not be read";
    BODY_TOO_LARGE = "body.too_large",
        "请求内容过大：JSON 请求体最多 {kib} KiB",
        "the JSON body is larger than the {kib} KiB this server accepts";
    BODY_NOT_VALID_JSON = "body.not_valid_json",
        "请求内容不是有效的 JSON：{detail}",
        "the request body is not valid JSON: {detail}";
    BODY_UNEXPECTED_FIELDS = "body.unexpected_fields",
        "请求内容的字段不符合要求：{detail}",
        "the request body does not have the expected fields: {detail}";
    BAD_PATH = "request.bad_path",
        "请求地址有误：{detail}",
        "{detail}";
    BAD_QUERY = "request.bad_query",
        "请求参数有误：{detail}",
        "{detail}";

    LOG_READS_TOO_MANY = "limits.log_reads",
        "此地址读取签名日志过于频繁，请 {seconds} 秒后再试",
        "too many reads of the log from this address; try again in {seconds} s";
    FILE_TOO_LARGE = "limits.file_too_large",
        "文件过大：本服务器最多接受 {max} 字节",
        "the file is larger than the {max} bytes this server accepts";

    // ---- what does not exist (or may not be seen) ----
    NO_SUCH_MEETING = "not_found.meeting",
        "没有这个会议，或您无权查看",
        "no meeting with this id";
    NO_SUCH_DISPUTE = "not_found.dispute",
        "没有这个争议，或您无权查看",
        "no dispute with this id";
    DISPUTE_NO_SUCH_PARTY = "dispute.no_such_party",
        "争议当事方 {id} 不存在，请从单位目录中选择",
        "party {id} is not an organization of the directory";
    DISPUTE_PARTIES_EMPTY = "dispute.parties_empty",
        "请至少列明一个争议相对方",
        "name at least one other party";
    DISPUTE_TOO_MANY_PARTIES = "dispute.too_many_parties",
        "一项争议最多涉及 {max} 个单位（含提出方）；涉及更多单位的事项请召开协调会议",
        "a dispute names at most {max} bodies, the raising body included; a matter of more bodies is one for a coordination meeting";
    DISPUTE_PARTY_IS_RAISER = "dispute.party_is_raiser",
        "争议相对方不能是提出方本单位",
        "the raising body cannot name itself as another party";
    DISPUTE_PARTY_TWICE = "dispute.party_twice",
        "争议相对方 {id} 重复列出",
        "party {id} is named twice";
    DISPUTE_BUREAU_IS_PARTY = "dispute.bureau_is_party",
        "应受理协调的司法局本身是争议当事方，请向其上级司法行政机关反映",
        "the judicial bureau that would coordinate is itself a party; take the matter to the bureau above it";
    DISPUTE_STALE = "dispute.stale",
        "该争议已被他人更新（当前为第 {revision} 版），请刷新后重试",
        "the dispute was changed by someone else meanwhile (it is at revision {revision}); reload it and try again";
    DISPUTE_NO_DECISION_YET = "dispute.no_decision_yet",
        "该争议尚无协调意见书：司法局受理后才起草",
        "this dispute has no decision yet: the bureau drafts one once it accepts the dispute";
    DISPUTE_FROM_RETURNED_TASK = "dispute.from_returned_task",
        "只有任务的承办单位在退回该任务（已退回）后，才能据此提出争议",
        "a dispute is raised from a task by its assigned body, once it returned the task (returned)";
    DISPUTE_FROM_RECEIVED_NOTICE = "dispute.from_received_notice",
        "只有收到该通报的单位才能据此提出争议",
        "a dispute is raised from a notice by a body that received it";
    DISPUTE_NOT_FROM_SUPERVISION = "dispute.not_from_supervision",
        "检察院或司法局的监督函件不是移交事项，不能据此提出管辖争议",
        "a procuratorate's or a judicial bureau's letter supervises and hands over no matter; no jurisdiction dispute is raised from it";
    DISPUTE_ONE_SOURCE = "dispute.one_source",
        "一项争议只能源于一项任务或一份通报，请只填写 from_task_id 或 from_notice_id 之一",
        "a dispute starts from one task or one notice: give from_task_id or from_notice_id, not both";
    DISPUTE_LEAD_NOT_A_PARTY = "dispute.lead_not_a_party",
        "临时牵头单位须为争议当事方之一",
        "the interim lead body must be one of the parties";
    NO_SUCH_TASK = "not_found.task",
        "没有这个任务，或您无权查看",
        "no task with this id";
    NO_SUCH_NOTICE = "not_found.notice",
        "没有这个通知，或您无权查看",
        "no notice with this id";
    NO_SUCH_ORG = "not_found.org",
        "没有这个单位",
        "no organization with this id";
    NO_SUCH_KEY = "not_found.key",
        "没有这个签名密钥",
        "no key with this id";
    NO_SUCH_AGENDA_ITEM = "not_found.agenda_item",
        "本次会议没有这个议题",
        "no agenda item with this id in this meeting";
    NO_SUCH_EXTENSION = "not_found.extension",
        "没有这个延期申请",
        "no extension request with this id";
    NOT_INVITED = "not_found.invitation",
        "该单位未受邀参加本次会议",
        "this organization is not invited to the meeting";
    NO_SUCH_DOCUMENT = "not_found.document",
        "没有这份文档，或您无权查看",
        "no such document";
    NO_SUCH_SPACE = "not_found.space",
        "没有这个协作空间，或您无权查看",
        "no space with this id";
    NO_SUCH_DOCUMENT_ID = "not_found.document_id",
        "没有这份文档，或您无权查看",
        "no document with this id";
    NO_SUCH_WEBHOOK = "not_found.webhook",
        "没有这个 Webhook",
        "no webhook with this id";
    NO_SUCH_ATTACHMENT = "not_found.attachment",
        "该任务没有这个附件",
        "no attachment with this id on this task";
    NO_SUCH_TASK_EXTENSION = "not_found.task_extension",
        "该任务没有这个延期申请",
        "no extension request with this id on this task";
    NO_SUCH_USER = "not_found.user",
        "没有这个用户",
        "no user with this id";
    NO_SUCH_OWN_KEY = "not_found.own_key",
        "您没有这个签名密钥",
        "no key of yours with this id";
    NO_SUCH_ORG_KEY = "not_found.org_key",
        "本单位没有这个签名密钥",
        "this organization has no signing key with this id";
    NO_SUCH_SIGNED_DOCUMENT = "not_found.signed_document",
        "要签署的文件不存在",
        "the document to sign does not exist";

    // ---- who may do what (domain::policy) ----
    TOKEN_NOT_COVERED = "policy.token_not_covered",
        "API 令牌不能进行此操作：没有对应的令牌权限，须由工作人员登录后办理",
        "an API token may not do this: no token permission covers it, so a person must sign in";
    TICKET_ONLY_OPENS_DOCUMENTS = "policy.ticket_only_opens_documents",
        "文档票据只能用于打开文档，其他操作须登录",
        "a websocket ticket only opens a document; anything else needs a signed-in session";
    OWN_SESSIONS_NEED_SESSION = "policy.own_sessions_need_session",
        "只有登录的本人才能管理自己的登录会话",
        "only a signed-in person may manage their own sessions";
    READ_DIRECTORY = "policy.read_directory",
        "只有代表某一单位的用户才能查看单位名录",
        "only a user acting for an organization may read the directory";
    MANAGE_DIRECTORY = "policy.manage_directory",
        "只有系统管理员才能修改行政区划和单位",
        "only an operator may change regions and organizations";
    EDIT_ORG = "policy.edit_org",
        "只有系统管理员或本单位管理员才能修改本单位信息",
        "only an operator or an administrator of this organization may change its details";
    READ_USERS = "policy.read_users",
        "只有系统管理员或本单位人员才能查看本单位人员名单",
        "only an operator or a user of this organization may list the organization's users";
    MANAGE_USERS = "policy.manage_users",
        "只有系统管理员或本单位管理员才能管理本单位人员",
        "only an operator or an administrator of this organization may manage its users";
    MANAGE_OPERATORS = "policy.manage_operators",
        "只有系统管理员才能设立、修改或停用系统管理员",
        "only an operator may make, change or disable an operator";
    RESET_PASSWORD = "policy.reset_password",
        "只有系统管理员才能重置他人密码",
        "only an operator may reset another person's password";
    MANAGE_TOKENS = "policy.manage_tokens",
        "只有本单位管理员才能管理本单位的 API 令牌，系统管理员不能",
        "only an administrator of this organization may manage its API tokens; operators may not";
    READ_WHOLE_AUDIT = "policy.read_whole_audit",
        "只有系统管理员才能查看全部审计记录",
        "only an operator may read the whole audit trail";
    READ_ORG_AUDIT = "policy.read_org_audit",
        "只有系统管理员或本单位管理员才能查看本单位的审计记录",
        "only an operator or an administrator of this organization may read its audit trail";
    MANAGE_SETTINGS = "policy.manage_settings",
        "只有系统管理员才能修改系统设置",
        "only an operator may change the settings";
    CREATE_SPACE = "policy.create_space",
        "协作空间须由单位发起，而您目前不代表任何单位",
        "a space is convened by an organization, and you do not act for one";
    READ_SPACE = "policy.read_space",
        "只有参与单位或监督该地区的司法行政机关才能查看",
        "only organizations that take part in a space, or the judicial bureau supervising its region, may see it";
    MANAGE_SPACE_MEMBERS = "policy.manage_space_members",
        "只有发起单位才能管理参与单位",
        "only the convening organization may manage who takes part";
    CREATE_SPACE_DOC = "policy.create_space_doc",
        "只有发起单位和参与单位才能添加文档；列席和监督单位只能查看",
        "only the convening and participating organizations may add documents; observers and supervisors read";
    CREATE_TASK = "policy.create_task",
        "任务须由单位交办，而您目前不代表任何单位",
        "a task is set by an organization, and you do not act for one";
    READ_TASK = "policy.read_task",
        "只有交办单位和承办单位才能查看此任务",
        "only the setting body and the assigned body may see a task";
    ACT_ON_TASK = "policy.act_on_task",
        "只有交办单位和承办单位才能办理此任务",
        "only the setting body and the assigned body may act on a task";
    SEND_NOTICE = "policy.send_notice",
        "通知须由单位发出，而您目前不代表任何单位",
        "a notification is sent by an organization, and you do not act for one";
    READ_NOTICE = "policy.read_notice",
        "只有发文单位和收文单位才能查看此通知",
        "only the sending body and the receiving bodies may see a notification";
    ACKNOWLEDGE_NEEDS_PERSON = "policy.acknowledge_needs_person",
        "签收须由具名的工作人员办理，API 令牌不能签收通知",
        "签收 (acknowledgement) needs a named person: an API token may not acknowledge a notification";
    ACKNOWLEDGE_NOTICE = "policy.acknowledge_notice",
        "只有收文单位才能签收此通知",
        "only a receiving body may acknowledge (签收) a notification";
    REPLY_NOTICE = "policy.reply_notice",
        "只有收文单位才能回复此通知",
        "only a receiving body may reply to a notification";
    MANAGE_NOTICE = "policy.manage_notice",
        "只有发文单位才能更正、撤回或办结此通知",
        "only the sending body may correct, recall or close a notification";
    MANAGE_WEBHOOKS = "policy.manage_webhooks",
        "只有本单位管理员才能管理本单位的 Webhook，系统管理员和 API 令牌不能",
        "only an administrator of this organization may manage its webhooks; operators and API tokens may not";
    MANAGE_MAILBOX = "policy.manage_mailbox",
        "只有本单位管理员才能设置本单位的收件邮箱，系统管理员和 API 令牌不能",
        "only an administrator of this organization may set its mailbox; operators and API tokens may not";
    READ_EVENTS_TOKEN = "policy.read_events_token",
        "此 API 令牌缺少接收事件所需的 tasks:read 或 notices:read 权限",
        "this API token lacks the tasks:read or notices:read permission needed to follow events";
    MANAGE_CALENDAR = "policy.manage_calendar",
        "只有系统管理员才能导入工作日历",
        "only an operator may load the working-day calendar";
    ACT_IN_SPACE = "policy.act_in_space",
        "只有参与其中的单位才能办理此事项；监督单位只能查看",
        "only the organizations taking part in a meeting or dispute may act in it; a supervising bureau reads it";
    READ_ANNUAL_STATUS = "policy.read_annual_status",
        "只有司法行政机关或系统管理员才能查看年度协调会议情况",
        "only a judicial bureau or an operator may see the annual coordination meeting status";
    MANAGE_MINUTES = "policy.manage_minutes",
        "只有召集单位（主办单位）才能定稿、发起签署、退回或归档该文书",
        "only the convening organization may freeze, open for signing, send back or archive this document";
    MANAGE_BODY_RECORD = "policy.manage_body_record",
        "只有出具该记录的单位（如移送回执的接收单位）才能出具、发起签署、退回或归档",
        "only the body that gives this record (the receiving body, for a referral's receipt) may make, open for signing, send back or archive it";
    SIGNING_NEEDS_PERSON = "policy.signing_needs_person",
        "签名须由具名的工作人员办理，API 令牌不能签署文书或管理签名密钥",
        "a signature names a person: an API token may not sign documents or manage signing keys";
    SIGN_MINUTES = "policy.sign_minutes",
        "只有召集单位和参与单位才能签署；列席和监督单位只能查看",
        "only the convening and participating organizations sign; observers and supervisors read";
    MANAGE_OWN_KEYS = "policy.manage_own_keys",
        "签名密钥属于代表某一单位的工作人员",
        "signing keys belong to people acting for an organization";
    MANAGE_ORG_KEYS = "policy.manage_org_keys",
        "只有本单位管理员或系统管理员才能查看和撤销本单位的签名密钥",
        "only an administrator of this organization or an operator may list and revoke its signing keys";
    REVOKE_SEAL = "policy.revoke_seal",
        "只有系统管理员才能撤销单位电子印章：印章私钥由服务器保管，如怀疑泄露，请联系系统管理员",
        "only an operator may revoke an organization's seal: its private half is kept by the server; if you suspect it is exposed, ask an operator";
    TOKEN_LACKS_ORGS_READ = "policy.token_lacks_orgs_read",
        "此 API 令牌缺少 orgs:read 权限",
        "this API token lacks the orgs:read permission";
    TOKEN_LACKS_SPACES_READ = "policy.token_lacks_spaces_read",
        "此 API 令牌缺少 spaces:read 权限",
        "this API token lacks the spaces:read permission";
    TOKEN_LACKS_SPACES_WRITE = "policy.token_lacks_spaces_write",
        "此 API 令牌缺少 spaces:write 权限",
        "this API token lacks the spaces:write permission";
    TOKEN_LACKS_DOCS_READ = "policy.token_lacks_docs_read",
        "此 API 令牌缺少 docs:read 权限",
        "this API token lacks the docs:read permission";
    TOKEN_LACKS_DOCS_WRITE = "policy.token_lacks_docs_write",
        "此 API 令牌缺少 docs:write 权限",
        "this API token lacks the docs:write permission";
    TOKEN_LACKS_TASKS_READ = "policy.token_lacks_tasks_read",
        "此 API 令牌缺少 tasks:read 权限",
        "this API token lacks the tasks:read permission";
    TOKEN_LACKS_TASKS_WRITE = "policy.token_lacks_tasks_write",
        "此 API 令牌缺少 tasks:write 权限",
        "this API token lacks the tasks:write permission";
    TOKEN_LACKS_NOTICES_READ = "policy.token_lacks_notices_read",
        "此 API 令牌缺少 notices:read 权限",
        "this API token lacks the notices:read permission";
    TOKEN_LACKS_NOTICES_WRITE = "policy.token_lacks_notices_write",
        "此 API 令牌缺少 notices:write 权限",
        "this API token lacks the notices:write permission";

    // ---- the directory, people, meetings, notices, tasks, signing ----
    REGION_EXISTS = "directory.region_exists",
        "区划代码 {code} 已存在",
        "a region with code {code} already exists";
    NO_PARENT_REGION = "directory.no_parent_region",
        "上级区划不存在",
        "the parent region does not exist";
    NO_REGION = "directory.no_region",
        "没有代码为 {code} 的区划",
        "no region with code {code}";
    NO_ORG_CODE = "directory.no_org_code",
        "没有代码为 {code} 的单位",
        "no organization with code {code}";
    ORG_EXISTS = "directory.org_exists",
        "单位代码 {code} 已存在",
        "an organization with code {code} already exists";
    USERNAME_TAKEN = "users.username_taken",
        "该用户名已被使用",
        "a user with this user name already exists";
    ENDS_BEFORE_START = "meeting.ends_before_start",
        "结束时间必须晚于开始时间",
        "ends_at must be after starts_at";
    NOT_A_RECEIVER = "notice.not_a_receiver",
        "该单位不是此通知的收文单位",
        "this organization did not receive this notice";
    KEY_NOT_USABLE = "signing.key_not_usable",
        "该签名密钥不是您本人在本单位登记且未撤销的密钥，请先登记密钥",
        "this key is not an enrolled, unrevoked key of yours for your organization; enroll a key first";
    KEY_ALREADY_REVOKED = "signing.key_already_revoked",
        "此签名密钥已被撤销，撤销不可恢复，无需再次撤销",
        "this key is already revoked; a revocation is final";
    SEAL_CHANGED = "signing.seal_changed",
        "本单位电子印章已更换（原印章已撤销），请重新生成待签内容后再签署",
        "the organization's seal changed since the statement was made; ask for a new statement";
    NOT_ALL_SIGNED = "signed.not_all_signed",
        "此版本尚未由所有应签单位签署",
        "not every required organization has signed this version yet";
    FILE_EMPTY = "upload.file_empty",
        "文件为空",
        "the file is empty";
    EXTENSION_DECIDED = "task.extension_decided",
        "此延期申请已审批",
        "this extension request was already decided";
    LIMIT_AT_LEAST_ONE = "task.limit_at_least_one",
        "办理期限至少为 1",
        "the time limit must be at least 1";

    // ---- changed by someone else meanwhile (reload and try again) ----
    TASK_STALE = "task.stale",
        "该任务已被他人更新（当前为第 {revision} 版），请刷新后重试",
        "the task was changed by someone else meanwhile (it is at revision {revision}); reload it and try again";
    MEETING_STALE = "meeting.stale",
        "该会议已被他人更新（当前为第 {revision} 版），请刷新后重试",
        "the meeting was changed by someone else meanwhile (it is at revision {revision}); reload it and try again";
    MEETING_MOVED = "meeting.moved",
        "该会议已被他人更新（当前为{now}），请刷新后重试",
        "the meeting changed meanwhile (it is now {now}); reload it and try again";
    SPACE_OWN_WORKFLOW = "space.own_workflow",
        "联合调查组、执法争议和案件移送的参与单位和文档由其自身流程管理，请在其自身页面操作",
        "who takes part in a group, a dispute or a referral, and its documents, are its workflow's: use its own page";
    SPACE_DOC_RECORD = "space.doc_record",
        "存档记录由其业务流程生成（如案件移送回执），不能新建",
        "a record is made by its workflow (a referral's receipt); it cannot be added by hand";
    NO_SUCH_REFERRAL = "not_found.referral",
        "没有这件移送案件，或您无权查看",
        "no referral with this id";
    NO_SUCH_REFERRAL_ITEM = "not_found.referral_item",
        "这件移送案件的材料清单中没有这项材料",
        "no such item in this referral's material checklist";
    REFERRAL_STALE = "referral.stale",
        "该移送案件已被他人更新（当前为第 {revision} 版），请刷新后重试",
        "the referral was changed by someone else meanwhile (it is at revision {revision}); reload it and try again";
    REFERRAL_MOVED = "referral.moved",
        "该移送案件已被他人更新（当前为{now}），请刷新后重试",
        "the referral changed meanwhile (it is now {now}); reload it and try again";
    DISPUTE_REFERRAL_NOT_RETURNED = "dispute.referral_not_returned",
        "只能就本单位退回的移送案件提出管辖争议，且该案件须仍处于已退回状态",
        "a dispute is raised from a referral only by the body that returned it, while it is still returned";
    REFERRAL_NO_SUCH_BODY = "referral.no_such_body",
        "没有 id 为 {id} 的单位",
        "there is no organization with the id {id}";
    NO_SUCH_INVESTIGATION = "not_found.investigation",
        "没有这个联合调查组，或您无权查看",
        "no investigation group with this id";
    INVESTIGATION_STALE = "investigation.stale",
        "该调查组已被他人更新（当前为第 {revision} 版），请刷新后重试",
        "the group was changed by someone else meanwhile (it is at revision {revision}); reload it and try again";
    INVESTIGATION_MOVED = "investigation.moved",
        "该调查组已被他人更新（当前为{now}），请刷新后重试",
        "the group changed meanwhile (it is now {now}); reload it and try again";
    INVESTIGATION_NO_SUCH_BODY = "investigation.no_such_body",
        "单位 {id} 不存在，请从单位目录中选择",
        "body {id} is not an organization of the directory";
    INVESTIGATION_MEMBERS_EMPTY = "investigation.members_empty",
        "请至少邀请一个成员单位",
        "invite at least one member body";
    INVESTIGATION_TOO_MANY = "investigation.too_many_members",
        "一个调查组最多邀请 {max} 个成员单位",
        "a group invites at most {max} member bodies";
    INVESTIGATION_LEAD_INVITED = "investigation.lead_invited",
        "牵头单位本身不必邀请",
        "the lead body is not invited to its own group";
    INVESTIGATION_BODY_TWICE = "investigation.body_twice",
        "单位 {id} 被重复列出",
        "body {id} is named twice";
    INVESTIGATION_LEAD_KIND = "investigation.lead_kind",
        "联合调查组由司法行政机关或主要承办的执法部门牵头提出",
        "a group is proposed by a judicial bureau or by the enforcement department that leads the case";
    INVESTIGATION_NOT_INVITED = "investigation.not_invited",
        "本单位未受邀参加此调查组",
        "your body is not invited to this group";
    DISPUTE_MOVED = "dispute.moved",
        "该争议已被他人更新（当前为{now}），请刷新后重试",
        "the dispute changed meanwhile (it is now {now}); reload it and try again";
    NOTICE_ACTED_MEANWHILE = "notice.acted_meanwhile",
        "此通知已被他人办理，请刷新后重试",
        "someone else acted on this notice meanwhile; reload it and try again";
    NOTICE_ACT_ON_NEWEST = "notice.act_on_newest",
        "此版本已被更正或撤回，请在最新版本（{newest}）上操作",
        "this version was corrected or recalled; act on the newest version, {newest}";
    SIGNED_CHANGED_MEANWHILE = "signed.changed_meanwhile",
        "您办理期间该文书已被他人更新，请刷新后重试",
        "the document changed while you were acting on it; reload and try again";
    SIGNED_MEANWHILE = "signed.signed_meanwhile",
        "您签署期间另一单位已签署，请刷新后重新签署",
        "another organization signed while you were signing; reload and sign again";
    SIGNED_ALREADY_FROZEN = "signed.already_frozen",
        "该文书已定稿",
        "the document is already frozen";
    SIGNED_STILL_DRAFT = "signed.still_draft",
        "{doc}第 {version} 版仍是草稿，须先定稿",
        "version {version} of {doc} is still a draft: it is frozen first";
    SIGNED_NO_FROZEN_VERSION = "signed.no_frozen_version",
        "{doc}没有已定稿的第 {version} 版",
        "no frozen version {version} of {doc}";
    SIGNED_STATEMENT_SUPERSEDED = "signed.statement_superseded",
        "待签内容对应{doc}第 {version} 版，该版本已被新版本取代，请签署最新版本",
        "the statement signs version {version} of {doc}, which was superseded; sign the newest version";
    SIGNED_NO_ARTEFACT = "signed.no_artefact",
        "此版本没有文件 {name}；可取的文件为 content.json、manifest.json、{rendition}、{pdf}（已排版时），以及 {page_html} 和 {page_pdf}（归档后）",
        "no artefact {name} in this version; one of content.json, manifest.json, {rendition}, {pdf} (when typeset), {page_html} and {page_pdf} (once archived)";
    SIGNED_NUMBER_TAKEN = "signed.number_taken",
        "另一份文书同时定稿，占用了同一文号，请重新定稿",
        "another freeze took the same document number at the same moment; freeze again";

    // ---- what a write refers to that does not exist ----
    NO_ORG_ID = "directory.no_org",
        "单位 {id} 不存在",
        "organization {id} does not exist";
    REGION_MISSING = "directory.region_missing",
        "区划 {code} 不存在",
        "region {code} does not exist";
    NO_PARENT_REGION_CODE = "directory.no_parent_region_code",
        "上级区划 {code} 不存在",
        "the parent region {code} does not exist";
    NO_PARENT_ORG = "directory.no_parent_org",
        "上级单位 {id} 不存在",
        "the parent organization {id} does not exist";
    REGION_CYCLE = "directory.region_cycle",
        "不能将区划 {code} 移至区划 {parent} 之下：{parent} 即 {code} 本身或其下级区划，将形成循环",
        "moving region {code} under region {parent} would make a cycle: {parent} is {code} itself or lies below it";
    ORG_CYCLE = "directory.org_cycle",
        "不能将单位 {code} 置于 {parent} 之下：{parent} 即 {code} 本身或其下级单位，将形成循环",
        "placing organization {code} under {parent} would make a cycle: {parent} is {code} itself or lies below it";
    REGION_PATH_TOO_LONG = "directory.region_path_too_long",
        "区划层级过深",
        "the region path is too long";
    REGION_LEVEL = "directory.region_level",
        "区划 {code}（{level}）不能置于区划 {parent}（{parent_level}）之下：下级区划的层级须低于上级区划",
        "region {code} ({level}) cannot be placed under region {parent} ({parent_level}): a region must be at a lower level than its parent";
    USER_NEEDS_ORG = "users.needs_org",
        "系统管理员以外的用户须属于某一单位",
        "a user who is not an operator must belong to an organization";
    NO_LOCAL_ACCOUNT = "users.no_local_account",
        "没有用户名为 {username} 的本地账号",
        "no local account named {username}";
    NOTICE_NO_RECEIVERS = "notice.no_receivers",
        "通知至少要有一个收文单位",
        "a notice needs at least one receiving organization";
    PERMISSION_ONE_WORD = "tokens.permission_one_word",
        "权限须为不含空格的一个词，{bad} 不符合要求",
        "a permission is one word without spaces, not {bad}";
    SPACE_DOC_NEEDS_OWNER = "space.doc_needs_owner",
        "“{role}”文档由一个单位撰写：请在 owner_org_id 中指明该单位",
        "a {role} is written by one body: name it as owner_org_id";
    SPACE_DOC_NO_OWNER = "space.doc_no_owner",
        "“{role}”文档没有撰写单位；只有分工章节或当事方陈述才有",
        "a {role} document has no owner; only a section or a statement has one";

    // ---- values of a request, as an address or a body gives them ----
    NOTHING_HERE = "request.nothing_here",
        "此地址没有内容",
        "there is nothing at this address";
    CONTENT_TYPE_MEDIA = "upload.content_type",
        "Content-Type 须为媒体类型，如 application/pdf",
        "Content-Type must be a media type such as application/pdf";
    YEAR_FOUR_DIGITS = "value.year_four_digits",
        "年份须为四位数字，如 2026",
        "the year must be four digits, e.g. 2026";
    YEAR_BETWEEN = "value.year_between",
        "年份须在 {min} 至 {max} 之间",
        "year must be between {min} and {max}";
    LIMIT_BETWEEN = "value.limit_between",
        "limit 须在 1 至 {max} 之间",
        "limit must be between 1 and {max}";
    OFFSET_NEGATIVE = "value.offset_negative",
        "offset 不能为负数",
        "offset must not be negative";
    LAST_EVENT_ID = "value.last_event_id",
        "Last-Event-ID 须为事件序号",
        "Last-Event-ID must be an event number";
    NOT_AN_EMAIL = "value.not_an_email",
        "{email} 不是有效的电子邮件地址",
        "email: {email} is not an e-mail address";
    URL_TOO_LONG = "value.url_too_long",
        "URL 超过 {max} 个字符",
        "url: longer than {max} characters";
    URL_UNREADABLE = "value.url_unreadable",
        "URL 格式有误（{detail}）",
        "url: not a URL ({detail})";
    URL_SCHEME = "value.url_scheme",
        "URL 须以 http:// 或 https:// 开头",
        "url: must start with http:// or https://";
    URL_NO_HOST = "value.url_no_host",
        "URL 须包含主机名",
        "url: must name a host";
    URL_CREDENTIALS = "value.url_credentials",
        "URL 中不能含有用户名或密码；调用由签名认证",
        "url: must not carry credentials; the signature authenticates the calls";
    CALENDAR_NOT_UTF8 = "calendar.not_utf8",
        "工作日历文件须为 UTF-8 编码的 JSON",
        "the calendar must be UTF-8 JSON";
    CALENDAR_WRONG_YEAR = "calendar.wrong_year",
        "该文件是 {file} 年的工作日历，不是 {year} 年的",
        "the file is for {file}, not {year}";
    DEADLINE_ONE_WAY = "task.deadline_one_way",
        "请以 limit（如 {\"unit\": \"working_days\", \"amount\": 10}）或 due_at（Unix 毫秒）二者之一给出办理期限，不能同时给出，也不能都不给",
        "give the deadline either as limit ({\"unit\": \"working_days\", \"amount\": 10}) or as due_at (Unix milliseconds), not both and not neither";
    ACT_FOR_ORG = "policy.act_for_org",
        "只有代表某一单位的人员才能进行此操作",
        "only someone acting for an organization can do this";

    AGENDA_ITEM_STALE = "meeting.agenda_item_stale",
        "该议题已被他人更新，请刷新后重试",
        "the agenda item was changed by someone else meanwhile; reload it and try again";
    NOTICE_RECIPIENT_TWICE = "notice.recipient_twice",
        "收文单位 {id} 重复列出",
        "recipient {id} is listed twice";
    REGION_OR_PARENT_MISSING = "directory.region_or_parent_missing",
        "所填区划或上级单位不存在",
        "the region or the parent organization does not exist";
    AFTER_EVENT_NUMBER = "value.after_event_number",
        "after 须为事件序号（0 或更大）",
        "after must be an event number (0 or more)";

    // ---- fields of a request body ----
    KEY_PEM_TOO_LONG = "keys.pem_too_long",
        "public_key_pem 过长，不是 Ed25519 公钥",
        "public_key_pem is too long for an Ed25519 public key";
    KEY_PEM_NOT_ED25519 = "keys.pem_not_ed25519",
        "public_key_pem 须为 SPKI PEM 格式的 Ed25519 公钥（{detail}）",
        "public_key_pem must be an Ed25519 public key in SPKI PEM form: {detail}";
    LOG_SIZE_BEYOND = "log.size_beyond",
        "签名日志共有 {leaves} 条记录，size {size} 超出范围",
        "the log has {leaves} leaves; size {size} lies beyond it";
    LOG_INDEX_BEYOND = "log.index_beyond",
        "index 须小于 size：被证明的记录须在该树之内",
        "index must be smaller than size: a leaf lies inside the tree it is proved in";
    LOG_OLD_RANGE = "log.old_range",
        "old 须至少为 1 且不大于 new：一棵树只与其自身的过去一致",
        "old must be at least 1 and at most new: a tree is consistent with its own past";
    MEETING_STARTS_PAST = "meeting.starts_past",
        "开始时间须晚于当前时间",
        "starts_at is not in the future; a meeting is set for a time ahead";
    MEETING_STARTS_TOO_FAR = "meeting.starts_too_far",
        "开始时间不能晚于十年之后",
        "starts_at is more than ten years ahead";
    MEETING_TOO_LONG = "meeting.too_long",
        "会议最长 7 天，结束时间过晚",
        "a meeting lasts at most 7 days; ends_at is too late";
    MEETING_REPLY_AFTER_START = "meeting.reply_after_start",
        "回复截止时间须早于会议开始时间",
        "reply_due_at must come before the meeting starts";
    MEETING_NO_PLACE = "meeting.no_place",
        "请填写会议地点或线上会议链接（或两者都填）",
        "say where the meeting is held: give a place, an online_link, or both";
    MEETING_INVITED_ROLE = "meeting.invited_role",
        "受邀单位的身份须为参会（member）或列席（observer）；召集单位即发起会议的单位",
        "an invited body's role is member or observer; the convener is the body convening";
    MEETING_INVITED_EMPTY = "meeting.invited_empty",
        "请至少邀请一个单位",
        "invited must name at least one organization";
    MEETING_INVITED_TOO_MANY = "meeting.invited_too_many",
        "一次会议最多邀请 {max} 个单位",
        "a meeting invites at most {max} organizations";
    MEETING_INVITED_TWICE = "meeting.invited_twice",
        "单位 {id} 重复邀请",
        "organization {id} is invited twice";
    MEETING_CONVENER_INVITED = "meeting.convener_invited",
        "召集单位不能邀请本单位参加自己召集的会议，请从受邀单位中删除",
        "the convening body is not invited to its own meeting; remove it from invited";
    MEETING_INVITED_UNKNOWN = "meeting.invited_unknown",
        "受邀单位 {id} 不存在",
        "invited organization {id} names no organization";
    MEETING_START_PASSED = "meeting.start_passed",
        "会议开始时间已过，请在发出会议通知时给出新的开始时间（及结束时间）",
        "the meeting's start has passed; give a new starts_at (and ends_at) with the notice";
    MEETING_CONVENER_NOT_INVITED = "meeting.convener_not_invited",
        "召集单位不能邀请本单位参加自己召集的会议",
        "the convening body is not invited to its own meeting";
    ORG_ID_UNKNOWN = "value.org_id_unknown",
        "{field} 所指的单位 {id} 不存在",
        "{field} {id} names no organization";
    NOTICE_RECIPIENTS_EMPTY = "notice.recipients_empty",
        "请至少指定一个收文单位",
        "recipients must name at least one organization";
    NOTICE_TOO_MANY_RECIPIENTS = "notice.too_many_recipients",
        "一份通知最多发给 {max} 个单位",
        "a notice goes to at most {max} organizations";
    NOTICE_TO_ITSELF = "notice.to_itself",
        "不能向本单位发送通知，请从收文单位中删除本单位",
        "a body does not send a notice to itself; remove it from the recipients";
    NOTICE_REPLY_DUE_WITHOUT_REPLY = "notice.reply_due_without_reply",
        "只有要求回复（requires_reply 为 true）时才能填写回复截止时间 reply_due_at",
        "reply_due_at is given only when requires_reply is true";
    NOTICE_PENDING_RECEIVED_ONLY = "notice.pending_received_only",
        "pending 仅适用于收文箱（box=received）",
        "pending applies to the received box only";
    NOTICE_FILTER_RECEIVED_ONLY = "notice.filter_received_only",
        "org、from、to、late 仅适用于收文箱（box=received），且不与 pending 同用",
        "org, from, to and late apply to the received box only, and not with pending";
    TASK_FILTER_ASSIGNED_ONLY = "task.filter_assigned_only",
        "org、from、to、overdue 仅适用于 list=assigned",
        "org, from, to and overdue apply to list=assigned only";
    TOKEN_CANNOT_SIGN_OUT = "auth.token_cannot_sign_out",
        "API 令牌不能退出登录，请改为吊销该令牌",
        "an API token cannot sign out; revoke it instead";
    PASSWORD_NEEDS_PERSON = "auth.password_needs_person",
        "只有登录的本人才能修改自己的密码",
        "only a signed-in person can change their password";
    OIDC_NO_PASSWORD = "auth.oidc_no_password",
        "该账号通过统一身份认证（OpenID）登录，在此没有密码",
        "this account signs in through an OpenID provider and has no password here";
    TASK_LIMIT_TOO_LONG = "task.limit_too_long",
        "办理期限最多为 {max} {unit}",
        "the time limit may be at most {max} {unit}";
    TASK_FOR_ITSELF = "task.for_itself",
        "不能向本单位交办任务，请选择其他单位作为承办单位",
        "a body cannot set a task for itself; choose another body as assignee";
    TASK_DEADLINE_PASSED = "task.deadline_passed",
        "任务的办理期限已过，请给出新的截止时间 due_at",
        "the task's deadline has passed; give a new due_at";
    TASK_NEW_DUE_NOT_LATER = "task.new_due_not_later",
        "新的截止时间 new_due_at 须晚于当前办理期限",
        "new_due_at must be later than the current deadline";
    TOKEN_NO_PERMISSION = "tokens.no_permission",
        "API 令牌至少需要一项权限",
        "a token needs at least one permission";
    TOKEN_UNKNOWN_PERMISSION = "tokens.unknown_permission",
        "无法识别的权限 {permission}；可用的权限有 orgs:read、spaces:read、spaces:write、docs:read、docs:write",
        "unknown permission {permission}; known: orgs:read, spaces:read, spaces:write, docs:read, docs:write";
    TOKEN_EXPIRY_RANGE = "tokens.expiry_range",
        "有效天数 expires_in_days 须在 1 至 {max} 之间",
        "expires_in_days must be between 1 and {max}";
    USER_GIVE_ORG = "users.give_org",
        "用户须属于某一单位，请填写 org_id",
        "a user belongs to an organization: give org_id";
    PASSWORD_NEEDS_USERNAME = "users.password_needs_username",
        "设置密码须同时有用户名，以便登录",
        "a password needs a username to sign in with";
    OIDC_NO_USERNAME = "users.oidc_no_username",
        "该账号通过统一身份认证（OpenID）登录，没有可用于密码登录的用户名",
        "this account signs in through an OpenID provider and has no user name for a password";
    WEBHOOK_DESCRIPTION_TOO_LONG = "value.webhook_description_too_long",
        "描述 description 超过 500 个字符",
        "description: longer than 500 characters";
    DEADLINE_NOT_AHEAD = "value.deadline_not_ahead",
        "{field} 须晚于当前时间：期限须在将来",
        "{field} is not in the future; a deadline must lie ahead";

    BUNDLE_TOO_LARGE = "upload.bundle_too_large",
        "归档包最大 {mib} MiB",
        "a bundle may be at most {mib} MiB";
    WEBSOCKET_ONLY = "request.websocket_only",
        "此地址使用 y-websocket 协议，请以 WebSocket 方式连接",
        "this address speaks the y-websocket protocol: open it as a WebSocket";

    // ---- verifying a bundle ----
    NOT_A_BUNDLE = "verify.not_a_bundle",
        "此文件不是纪要或其他已签署文件的归档包（.zip），无法核验（{why}）",
        "this is not a minutes bundle (.zip), nor one of another signed document: {why}";

    // ---- administration: the audit chain, sign-in settings ----
    AUDIT_CHAIN_ANCHORED = "audit.chain_anchored",
        "审计日志完整：共 {rows} 条记录，哈希链连续，已在签名日志中锚定至第 {seq} 条",
        "the audit trail is intact: {rows} row(s), the hash chain holds, anchored in the signed log through row {seq}";
    AUDIT_CHAIN_UNANCHORED = "audit.chain_unanchored",
        "审计日志完整：共 {rows} 条记录，哈希链连续，尚未在签名日志中锚定",
        "the audit trail is intact: {rows} row(s), the hash chain holds, none anchored in the signed log yet";
    AUDIT_CHAIN_BROKEN = "audit.chain_broken",
        "审计日志在第 {seq} 条处断裂（共检查 {rows} 条）：记录可能被修改或删除，请立即核查",
        "the audit trail is broken at row {seq} ({rows} row(s) checked): a row was changed or removed; look into it now";
    LOCAL_LOGIN_NEEDS_PROVIDER = "settings.local_login_needs_provider",
        "未配置统一身份认证（OpenID）时不能关闭本地账号登录，否则将无人能够登录",
        "local sign-in cannot be turned off while no OpenID provider is configured";
}
