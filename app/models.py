"""Every table of the app, for the schema check and the test suite's clean-up.

Each domain adds its models here when it is created.
"""
from app.accounts.models import AdminUser, LoginFailure, WechatUser
from app.authorization.models import AgentCertificate, AgentWechatId, CertificateCheck
from app.brand.models import BrandProfile
from app.agents.models import (Agent, AgentApplication, AgentChange, AgentClosure, AgentInviteImage, AgentLevel,
                               AgentPurchase, AgentRetailSale, AgentTreeLock, LevelProposal)
from app.catalog.models import LevelPrice, LevelPriceChange, PriceRange, Product, ProductImage
from app.chat.models import BindToken, InboundMessage, SeenSignature, WechatBinding
from app.codes.models import (Code, CodeBatch, CodeFlag, CodeMiss, CodePinFailure, CodeScan, ConsumerReport,
                              RetailSale, RetailSaleCode, RetailSaleLine, Violation)
from app.finance.models import (AgentBalance, CommissionLine, CommissionRuleVersion, Expense, GoodsBalance,
                                GoodsEntry, GoodsTopUp, JournalEntry, OrderSettlement, PayDiscrepancy, PayReconciliation,
                                Posting, SettlementRefund, Withdrawal, BuyerFirstOrder)
from app.inventory.models import (Stock, StockMove, StockTake, StockTakeCount, Transfer, TransferLine, Warehouse,
                                  WarehouseProvince)
from app.jobs.models import JobRun, ReplicaHeartbeat, SchedulerLease
from app.notify.models import Notification
from app.orders.models import (DailyProductSales, DailyRegionSales, Order, OrderEvent, OrderLine, OrderRefund,
                               OrderRefundLine, Parcel, ParcelEvent, ParcelPush, Promotion, ShippingTemplate,
                               TrackingLink, WechatPayment, WechatRefund)
from app.tasks.models import BackgroundTask
from app.wechat import WechatCacheEntry

ALL_MODELS = [
    BrandProfile,
    AdminUser,
    LoginFailure,
    WechatUser,
    WechatCacheEntry,
    AgentLevel,
    Agent,
    AgentTreeLock,
    AgentClosure,
    AgentApplication,
    AgentChange,
    LevelProposal,
    AgentPurchase,
    AgentRetailSale,
    AgentInviteImage,
    Notification,
    Product,
    ProductImage,
    LevelPrice,
    LevelPriceChange,
    PriceRange,
    Warehouse,
    WarehouseProvince,
    Stock,
    StockMove,
    Transfer,
    TransferLine,
    StockTake,
    StockTakeCount,
    Order,
    OrderLine,
    OrderEvent,
    OrderRefund,
    OrderRefundLine,
    WechatPayment,
    WechatRefund,
    Parcel,
    ParcelEvent,
    ParcelPush,
    TrackingLink,
    Promotion,
    ShippingTemplate,
    DailyRegionSales,
    DailyProductSales,
    CodeBatch,
    Code,
    CodeScan,
    CodeMiss,
    CodePinFailure,
    CodeFlag,
    ConsumerReport,
    RetailSale,
    RetailSaleLine,
    RetailSaleCode,
    Violation,
    WechatBinding,
    BindToken,
    InboundMessage,
    SeenSignature,
    SchedulerLease,
    JobRun,
    ReplicaHeartbeat,
    CommissionRuleVersion,
    OrderSettlement,
    BuyerFirstOrder,
    SettlementRefund,
    CommissionLine,
    JournalEntry,
    Posting,
    AgentBalance,
    Withdrawal,
    GoodsBalance,
    GoodsEntry,
    GoodsTopUp,
    Expense,
    PayReconciliation,
    PayDiscrepancy,
    BackgroundTask,
    AgentCertificate,
    AgentWechatId,
    CertificateCheck,
]
