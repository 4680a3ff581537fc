/**
 * Word lists for the demo-data generator: a two-level industry taxonomy, provinces and cities,
 * fictional company brands, content products by series, competitors, reasons and keywords.
 * Every company and competitor name here is made up; none is meant to be a real brand.
 */

export type EnterpriseType =
  | '央企'
  | '地方国企'
  | '民营企业'
  | '外资企业'
  | '合资企业'
  | '事业单位'
  | '政府机关'
  | '上市公司'

export const ENTERPRISE_TYPES: readonly EnterpriseType[] = [
  '央企',
  '地方国企',
  '民营企业',
  '外资企业',
  '合资企业',
  '事业单位',
  '政府机关',
  '上市公司',
]

/** Weights in ENTERPRISE_TYPES order. */
type TypeWeights = readonly [number, number, number, number, number, number, number, number]

const PRIVATE: TypeWeights = [4, 8, 45, 11, 7, 0, 0, 25]
const STATE: TypeWeights = [30, 35, 10, 6, 4, 0, 0, 15]
const PUBLIC: TypeWeights = [0, 25, 0, 0, 0, 50, 25, 0]

export interface Industry2 {
  readonly name: string
  /** Industry words in company names (恒远 + 汽车零部件 + 集团). */
  readonly words: readonly string[]
  readonly suffixes?: readonly string[]
  readonly types?: TypeWeights
}

export interface Industry1 {
  readonly name: string
  readonly weight: number
  readonly types: TypeWeights
  readonly sub: readonly Industry2[]
}

const FIN = ['股份有限公司', '有限责任公司', '有限公司']

export const INDUSTRIES: readonly Industry1[] = [
  {
    name: '制造业',
    weight: 22,
    types: PRIVATE,
    sub: [
      { name: '汽车制造', words: ['汽车零部件', '汽车', '汽车电子', '新能源汽车'] },
      { name: '电子制造', words: ['电子', '电子科技', '光电', '半导体'] },
      { name: '装备制造', words: ['重工', '机械', '智能装备', '精工'] },
      { name: '家电制造', words: ['电器', '家电', '厨电'] },
    ],
  },
  {
    name: '金融',
    weight: 12,
    types: STATE,
    sub: [
      {
        name: '银行',
        words: ['农村商业银行', '银行', '村镇银行'],
        suffixes: ['股份有限公司', '有限责任公司'],
        types: [4, 52, 4, 6, 0, 0, 0, 34],
      },
      { name: '保险', words: ['人寿保险', '财产保险', '保险'], suffixes: FIN },
      { name: '证券', words: ['证券'], suffixes: FIN },
      { name: '基金', words: ['基金管理'], suffixes: ['有限公司'] },
    ],
  },
  {
    name: '医药',
    weight: 9,
    types: PRIVATE,
    sub: [
      { name: '制药', words: ['制药', '药业', '生物医药'] },
      { name: '医疗器械', words: ['医疗器械', '医疗科技'] },
      { name: '医药流通', words: ['医药', '医药商业', '大药房连锁'] },
    ],
  },
  {
    name: '互联网',
    weight: 8,
    types: PRIVATE,
    sub: [
      { name: '电商', words: ['电子商务', '电商'], suffixes: ['有限公司', '集团', '股份有限公司'] },
      { name: '软件和信息技术服务', words: ['软件', '信息技术', '数字科技'] },
      { name: '游戏', words: ['网络科技', '互动娱乐'], suffixes: ['有限公司', '股份有限公司'] },
    ],
  },
  {
    name: '零售',
    weight: 9,
    types: PRIVATE,
    sub: [
      { name: '连锁零售', words: ['商贸', '连锁超市', '百货'] },
      { name: '快消品', words: ['食品', '饮料', '日化'] },
    ],
  },
  {
    name: '能源',
    weight: 7,
    types: STATE,
    sub: [
      { name: '电力', words: ['电力', '能源', '供电'] },
      { name: '石油石化', words: ['石化', '石油化工', '油气'] },
      { name: '新能源', words: ['新能源', '光伏', '储能'], types: PRIVATE },
    ],
  },
  {
    name: '房地产',
    weight: 6,
    types: PRIVATE,
    sub: [
      { name: '地产开发', words: ['置业', '地产', '房地产开发'] },
      { name: '物业服务', words: ['物业服务', '物业管理'] },
    ],
  },
  {
    name: '建筑',
    weight: 6,
    types: STATE,
    sub: [
      { name: '建筑工程', words: ['建工', '建设工程', '建筑'] },
      { name: '基建', words: ['路桥', '交通建设', '城建'] },
    ],
  },
  {
    name: '交通物流',
    weight: 6,
    types: PRIVATE,
    sub: [
      { name: '物流', words: ['物流', '供应链', '快运'] },
      { name: '航空', words: ['航空', '航空服务'], types: STATE },
      { name: '轨道交通', words: ['轨道交通', '城市轨道'], suffixes: ['集团', '集团有限公司'], types: STATE },
    ],
  },
  {
    name: '通信',
    weight: 4,
    types: STATE,
    sub: [
      { name: '电信运营商', words: ['通信', '通信服务', '信息网络'], suffixes: ['有限公司', '股份有限公司', '集团'] },
      { name: '通信设备', words: ['通信技术', '网络设备'], types: PRIVATE },
    ],
  },
  {
    name: '教育',
    weight: 3,
    types: [0, 5, 45, 5, 0, 30, 0, 15],
    sub: [
      { name: '职业教育', words: ['教育科技', '职业培训'] },
      { name: '高等院校', words: ['职业技术学院', '理工学院'], suffixes: [''], types: [0, 0, 0, 0, 0, 100, 0, 0] },
    ],
  },
  {
    name: '政府及公共事业',
    weight: 3,
    types: PUBLIC,
    sub: [
      {
        name: '公共事业',
        words: ['水务', '燃气', '公交', '城市建设投资'],
        suffixes: ['集团', '集团有限公司'],
        types: [0, 100, 0, 0, 0, 0, 0, 0],
      },
      {
        name: '政务服务',
        words: ['新区政务服务中心', '高新区人才发展中心', '经开区干部教育中心'],
        suffixes: [''],
        types: [0, 0, 0, 0, 0, 60, 40, 0],
      },
    ],
  },
  {
    name: '餐饮酒店',
    weight: 3,
    types: PRIVATE,
    sub: [
      { name: '连锁餐饮', words: ['餐饮管理', '餐饮连锁'] },
      { name: '酒店管理', words: ['酒店管理', '酒店'] },
    ],
  },
  {
    name: '化工',
    weight: 4,
    types: PRIVATE,
    sub: [
      { name: '精细化工', words: ['精细化工', '新材料'] },
      { name: '化学原料', words: ['化工', '化学'] },
    ],
  },
]

export const DEFAULT_SUFFIXES = ['集团', '股份有限公司', '有限公司', '集团有限公司', '有限公司', '股份有限公司']

/** Province, weight, cities (municipalities have none). */
export const PROVINCES: ReadonlyArray<readonly [string, number, readonly string[]]> = [
  ['广东', 12, ['广州', '深圳', '佛山', '东莞', '珠海', '中山']],
  ['江苏', 11, ['南京', '苏州', '无锡', '常州', '南通', '徐州']],
  ['浙江', 10, ['杭州', '宁波', '温州', '嘉兴', '绍兴', '台州']],
  ['上海', 8, []],
  ['北京', 8, []],
  ['山东', 7, ['济南', '青岛', '烟台', '潍坊', '临沂']],
  ['四川', 5, ['成都', '绵阳', '宜宾']],
  ['湖北', 4, ['武汉', '宜昌', '襄阳']],
  ['福建', 4, ['福州', '厦门', '泉州']],
  ['河南', 4, ['郑州', '洛阳', '新乡']],
  ['湖南', 3, ['长沙', '株洲', '湘潭']],
  ['安徽', 3, ['合肥', '芜湖', '马鞍山']],
  ['河北', 3, ['石家庄', '唐山', '保定']],
  ['天津', 3, []],
  ['重庆', 3, []],
  ['陕西', 3, ['西安', '宝鸡']],
  ['辽宁', 2, ['沈阳', '大连']],
  ['江西', 2, ['南昌', '赣州']],
  ['云南', 2, ['昆明', '曲靖']],
  ['广西', 2, ['南宁', '柳州']],
  ['山西', 2, ['太原', '大同']],
  ['吉林', 1, ['长春', '吉林']],
  ['黑龙江', 1, ['哈尔滨', '大庆']],
  ['贵州', 1, ['贵阳', '遵义']],
  ['内蒙古', 1, ['呼和浩特', '包头']],
  ['新疆', 1, ['乌鲁木齐']],
  ['甘肃', 1, ['兰州']],
  ['海南', 1, ['海口', '三亚']],
  ['宁夏', 1, ['银川']],
  ['青海', 1, ['西宁']],
]

/** Two-character fictional brands. */
export const BRANDS = [
  '恒远',
  '瑞泓',
  '启航',
  '博睿',
  '鼎晟',
  '润泽',
  '锦程',
  '天衡',
  '海川',
  '鑫源',
  '德润',
  '凯晟',
  '泓达',
  '铭远',
  '华岳',
  '远拓',
  '嘉睿',
  '盛拓',
  '晟达',
  '新禾',
  '同创',
  '睿达',
  '云帆',
  '立恒',
  '中拓',
  '和信',
  '宏睿',
  '曜辰',
  '聚信',
  '安澜',
  '拓川',
  '恒晟',
  '瀚海',
  '星澜',
  '智衡',
  '锐驰',
  '汇泽',
  '丰泰',
  '沐阳',
  '青禾',
  '远航',
  '万拓',
  '晨曦',
  '澜图',
  '金穗',
  '宏域',
  '东弘',
  '景睿',
  '卓晟',
  '长澜',
  '蓝湾',
  '九畴',
  '衡达',
  '信衡',
  '友诚',
  '百川汇',
  '昆仑岳',
  '君成',
  '乾元',
  '悦融',
]

/** Brands with 的 (about 7% of names). */
export const BRANDS_DE = ['优的', '好的', '小禾的', '知的', '阿福的', '悠的']

/** Brands with an ASCII part (about 3% of names). */
export const BRANDS_ASCII = ['Nova', 'Bluewave', 'iLink', 'Vastar', 'Kinetix', 'Orbix', 'Luma', 'Tekpro']

export const CROWDS = ['新员工', '基层管理者', '中层管理者', '高管', '销售团队', '技术骨干', '高潜人才', '全员']

export interface Series {
  readonly name: string
  readonly weight: number
  readonly products: readonly string[]
  readonly crowds: readonly string[]
  /** Project themes, after a crowd (中层管理者 + 领导力提升项目). */
  readonly themes: readonly string[]
  /** Outcome measured after the project, and whether it went down. */
  readonly kpi: readonly [string, boolean]
  readonly focus: string
}

export const SERIES: readonly Series[] = [
  {
    name: '领导力发展',
    weight: 24,
    focus: '管理角色认知与团队管理',
    products: [
      '《高效能管理者》系列课',
      '新经理转身训练营',
      '中层领导力进阶营',
      '高管战略解码工作坊',
      '教练式领导力工作坊',
    ],
    crowds: ['基层管理者', '中层管理者', '高管', '高潜人才'],
    themes: ['领导力提升项目', '管理能力进阶项目', '领导力发展项目', '梯队培养项目'],
    kpi: ['团队敬业度', false],
  },
  {
    name: '新员工融入',
    weight: 14,
    focus: '企业文化与岗位快速上手',
    products: ['新员工入职通识课', '职场新人训练营', '校招生融入项目包'],
    crowds: ['新员工'],
    themes: ['融入培养项目', '入职赋能项目', '成长计划'],
    kpi: ['试用期留存率', false],
  },
  {
    name: '销售能力提升',
    weight: 16,
    focus: '客户洞察与顾问式销售',
    products: ['销售铁军实战营', '大客户销售精品课', '顾问式销售工作坊', '销售新人30天训练营'],
    crowds: ['销售团队', '基层管理者', '新员工'],
    themes: ['实战能力提升项目', '营销能力赋能项目', '铁军训练项目'],
    kpi: ['人均业绩', false],
  },
  {
    name: '通用职场技能',
    weight: 14,
    focus: '沟通协作与问题解决',
    products: ['职场通用力课程包', '《高效沟通》系列课', '结构化思维训练营', 'Office效率提升微课'],
    crowds: ['全员', '新员工', '技术骨干'],
    themes: ['通用能力提升项目', '职业素养提升项目'],
    kpi: ['岗位胜任力测评得分', false],
  },
  {
    name: '数字化转型',
    weight: 12,
    focus: '数字化思维与AI工具应用',
    products: ['数字化领导力工作坊', '数字化转型认知课', 'AI办公实战营', '数据分析能力课'],
    crowds: ['中层管理者', '高管', '全员', '技术骨干'],
    themes: ['数字化能力提升项目', '数字化转型赋能项目', 'AI素养提升项目'],
    kpi: ['数字化工具使用率', false],
  },
  {
    name: '合规与安全',
    weight: 10,
    focus: '安全生产与合规风控',
    products: ['安全生产微课包', '合规风控系列课', '信息安全意识课', '廉洁从业系列课'],
    crowds: ['全员', '基层管理者', '新员工'],
    themes: ['安全生产培训项目', '合规文化建设项目'],
    kpi: ['安全事故率', true],
  },
  {
    name: '专业技术',
    weight: 10,
    focus: '岗位专业能力与精益改善',
    products: ['精益生产实战课', '项目管理精品课', '质量管理工具课', '研发创新工作坊'],
    crowds: ['技术骨干', '基层管理者'],
    themes: ['专业能力提升项目', '精益人才培养项目'],
    kpi: ['一次合格率', false],
  },
]

export const PLAN_NAMES = [
  '领航计划',
  '远航计划',
  '启航计划',
  '青苗计划',
  '雏鹰计划',
  '星火计划',
  '腾飞计划',
  '磐石计划',
  '鸿鹄计划',
  '先锋计划',
]

export const COMPETITORS: ReadonlyArray<readonly [string, number]> = [
  ['学邦云', 16],
  ['知行学堂', 14],
  ['易课通', 12],
  ['智培云', 12],
  ['课立方', 10],
  ['学海e站', 8],
  ['MoocPro', 8],
  ['启学云', 10],
  ['自建平台', 10],
]

export const REASONS = [
  '原平台系统稳定性差，高峰期频繁卡顿',
  '内容资源少，无法覆盖多层级培训需求',
  '移动端体验差，一线员工学习率低',
  '服务响应慢，问题往往一周以上才解决',
  '数据报表不满足集团管控要求',
  '续费价格上涨超过30%',
  '不支持与钉钉组织架构同步',
  '考试和认证功能薄弱',
  '无法支持多组织、多租户管理',
  '直播培训并发能力不足',
  '课程更新慢，缺少数字化和AI相关内容',
  '缺少学习地图和岗位能力模型',
  '原厂商业务收缩，后续服务无保障',
  '自建系统维护成本高，迭代慢',
  '运营支持不足，没有专职客户成功经理',
  '经销商和门店培训无法统一管理',
]

export const SALES = [
  '王磊',
  '李静',
  '张敏',
  '刘洋',
  '陈晨',
  '杨帆',
  '赵婷',
  '黄俊',
  '周颖',
  '吴昊',
  '徐丽',
  '孙浩',
  '朱琳',
  '胡斌',
  '林晓',
]

/** Staff-size buckets: text, min, max (null = open). */
export const SIZES: ReadonlyArray<readonly [string, number, number | null]> = [
  ['100人以下', 0, 100],
  ['100-500人', 100, 500],
  ['500-1000人', 500, 1000],
  ['1000-5000人', 1000, 5000],
  ['5000-10000人', 5000, 10000],
  ['5000人以上', 5000, null],
  ['1-5万人', 10000, 50000],
  ['1万人以上', 10000, null],
  ['10万人以上', 100000, null],
]

/** Size-bucket weights in SIZES order, by enterprise type (ENTERPRISE_TYPES order). */
export const SIZE_WEIGHTS: readonly (readonly number[])[] = [
  [0, 0, 2, 12, 14, 14, 22, 24, 12], // 央企
  [0, 4, 12, 30, 18, 12, 12, 10, 2], // 地方国企
  [8, 22, 22, 28, 8, 6, 3, 3, 0], // 民营企业
  [2, 14, 22, 34, 12, 8, 4, 4, 0], // 外资企业
  [2, 12, 22, 36, 14, 8, 3, 3, 0], // 合资企业
  [12, 34, 26, 22, 4, 2, 0, 0, 0], // 事业单位
  [14, 36, 26, 20, 4, 0, 0, 0, 0], // 政府机关
  [0, 4, 14, 34, 16, 12, 10, 8, 2], // 上市公司
]

export const CLASS_TYPES = ['线上课程', '训练营', '面授', '混合式', '工作坊']
export const SOURCE_TYPES: ReadonlyArray<readonly [string, number]> = [
  ['新签', 45],
  ['续约', 25],
  ['增购', 20],
  ['渠道', 10],
]

export const KEYWORDS = [
  '移动学习',
  '钉钉集成',
  '企业微信集成',
  '飞书集成',
  'SSO单点登录',
  '学习地图',
  '岗位认证',
  '直播培训',
  '考试测评',
  '知识库',
  'AI陪练',
  '人才盘点',
  '数据看板',
  '积分激励',
  '混合式培训',
  '任职资格',
  '新员工在线入职',
  '课程共建',
]
export const KEYWORDS_LARGE = ['集团管控', '多组织', '私有化部署', '多语言']
export const KEYWORDS_CHANNEL = ['经销商培训', '连锁门店培训']

export const FEEDBACK = ['干货多、可落地', '案例贴近业务', '讲师专业、互动性强', '学完就能用']
