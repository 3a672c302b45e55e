<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR">
<context>
    <name>AdminWindow</name>
    <message>
        <location filename="../../app/ui/admin_window.py" line="206"/>
        <source>Agency administration</source>
        <translation>مدیریت سازمان</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="212"/>
        <source>Users</source>
        <translation>کاربران</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="213"/>
        <source>Units</source>
        <translation>واحدها</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="214"/>
        <source>Security events</source>
        <translation>رویدادهای امنیتی</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="229"/>
        <location filename="../../app/ui/admin_window.py" line="248"/>
        <source>Name</source>
        <translation>نام</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="229"/>
        <source>Username</source>
        <translation>نام کاربری</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="229"/>
        <source>Title</source>
        <translation>سمت</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="229"/>
        <source>Unit</source>
        <translation>واحد</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="230"/>
        <source>Roles</source>
        <translation>نقش‌ها</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="230"/>
        <source>Status</source>
        <translation>وضعیت</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="230"/>
        <location filename="../../app/ui/admin_window.py" line="401"/>
        <source>Signing certificate</source>
        <translation>گواهی امضا</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="231"/>
        <source>New user…</source>
        <translation>کاربر جدید…</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="233"/>
        <source>Edit…</source>
        <translation>ویرایش…</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="235"/>
        <source>Register signing certificate…</source>
        <translation>ثبت گواهی امضا…</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="248"/>
        <location filename="../../app/ui/admin_window.py" line="269"/>
        <source>Code</source>
        <translation>کد</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="248"/>
        <source>Parent unit</source>
        <translation>واحد بالادست</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="252"/>
        <source>Add unit</source>
        <translation>افزودن واحد</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="255"/>
        <source>Code:</source>
        <translation>کد:</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="255"/>
        <source>Name:</source>
        <translation>نام:</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="256"/>
        <source>Parent unit:</source>
        <translation>واحد بالادست:</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="268"/>
        <source>Time</source>
        <translation>زمان</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="268"/>
        <source>User</source>
        <translation>کاربر</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="268"/>
        <source>IP address</source>
        <translation>نشانی IP</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="268"/>
        <source>Action</source>
        <translation>عملیات</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="269"/>
        <source>Outcome</source>
        <translation>نتیجه</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="269"/>
        <source>Letter</source>
        <translation>نامه</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="269"/>
        <source>Detail</source>
        <translation>شرح</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="275"/>
        <source>Show</source>
        <translation>نمایش</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="277"/>
        <source>More</source>
        <translation>بیشتر</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="281"/>
        <source>Event code:</source>
        <translation>کد رویداد:</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="302"/>
        <source>The server could not be reached.</source>
        <translation>ارتباط با کارگزار برقرار نشد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="315"/>
        <source>Active</source>
        <translation>فعال</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="315"/>
        <source>Deactivated</source>
        <translation>غیرفعال</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="321"/>
        <source>(none)</source>
        <translation>(هیچ)</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="327"/>
        <source>signs until %1</source>
        <translation>معتبر برای امضا تا %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="327"/>
        <source>unbound: does not sign</source>
        <translation>جداشده؛ برای امضا پذیرفته نمی‌شود</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="346"/>
        <location filename="../../app/ui/admin_window.py" line="431"/>
        <source>Select a user first.</source>
        <translation>ابتدا کاربر را در فهرست انتخاب کنید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="367"/>
        <source>The user «%1» was added.</source>
        <translation>کاربر «%1» افزوده شد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="378"/>
        <source>The changes to «%1» were saved.</source>
        <translation>تغییرات «%1» ذخیره شد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="402"/>
        <source>Without the signatory role (or deactivated), «%1»&apos;s signing certificate stops signing for the agency: letters signed with it from now on are refused. Save the changes?</source>
        <translation>با برداشتن نقش امضاکننده یا غیرفعال کردن حساب، گواهی امضای «%1» دیگر برای امضای نامه‌های سازمان پذیرفته نمی‌شود و نامه‌هایی که از این پس با آن امضا شوند رد خواهند شد. تغییرات ذخیره شود؟</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="415"/>
        <location filename="../../app/ui/admin_window.py" line="446"/>
        <source>Sending to the server…</source>
        <translation>در حال ارسال به کارگزار…</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="433"/>
        <source>The signatory&apos;s signing certificate</source>
        <translation>گواهی امضای امضاکننده</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="434"/>
        <source>Certificates (*.pem *.crt *.cer *.der)</source>
        <translation>گواهی‌ها (*.pem *.crt *.cer *.der)</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="444"/>
        <source>The file is not a readable certificate (PEM or DER).</source>
        <translation>این پرونده گواهی قابل خواندن نیست (قالب PEM یا DER لازم است).</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="449"/>
        <source>The certificate of «%1» was registered for %2.</source>
        <translation>گواهی «%1» برای کاربر %2 ثبت شد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="451"/>
        <source>The certificate of «%1» was not registered: %2</source>
        <translation>گواهی «%1» ثبت نشد: %2</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="458"/>
        <source>Enter the unit&apos;s code and name.</source>
        <translation>کد و نام واحد را وارد کنید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="464"/>
        <source>The unit «%1» was added.</source>
        <translation>واحد «%1» افزوده شد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="470"/>
        <source>Add a user</source>
        <translation>افزودن کاربر</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="470"/>
        <source>Change a user</source>
        <translation>تغییر کاربر</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="471"/>
        <source>Add a unit</source>
        <translation>افزودن واحد</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="471"/>
        <location filename="../../app/ui/admin_window.py" line="472"/>
        <source>Register a certificate</source>
        <translation>ثبت گواهی</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="472"/>
        <location filename="../../app/ui/admin_window.py" line="473"/>
        <source>Add a trust root</source>
        <translation>افزودن مرجع مورد اعتماد</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="473"/>
        <source>Register a letter</source>
        <translation>ثبت نامه</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="474"/>
        <source>Send a letter</source>
        <translation>ارسال نامه</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="474"/>
        <source>Send an internal letter</source>
        <translation>ارسال نامهٔ داخلی</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="488"/>
        <source>Done</source>
        <translation>انجام شد</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="488"/>
        <source>Refused</source>
        <translation>رد شد</translation>
    </message>
</context>
<context>
    <name>UserDialog</name>
    <message>
        <location filename="../../app/ui/admin_window.py" line="115"/>
        <source>New user</source>
        <translation>کاربر جدید</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="115"/>
        <source>Edit user</source>
        <translation>ویرایش کاربر</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="127"/>
        <source>(no unit)</source>
        <translation>(بدون واحد)</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="134"/>
        <source>Active account</source>
        <translation>حساب فعال است</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="136"/>
        <source>Username:</source>
        <translation>نام کاربری:</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="137"/>
        <source>Display name:</source>
        <translation>نام نمایشی:</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="138"/>
        <source>National code:</source>
        <translation>کد ملی:</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="141"/>
        <source>User:</source>
        <translation>کاربر:</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="147"/>
        <source>Title:</source>
        <translation>سمت:</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="148"/>
        <source>Unit:</source>
        <translation>واحد:</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="149"/>
        <source>Roles:</source>
        <translation>نقش‌ها:</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="151"/>
        <source>Password:</source>
        <translation>گذرواژه:</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="152"/>
        <source>Password again:</source>
        <translation>تکرار گذرواژه:</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="160"/>
        <source>Save</source>
        <translation>ذخیره</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="162"/>
        <source>Cancel</source>
        <translation>انصراف</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="179"/>
        <source>Choose at least one role.</source>
        <translation>دست‌کم یک نقش انتخاب کنید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="183"/>
        <source>Enter the username and the display name.</source>
        <translation>نام کاربری و نام نمایشی را وارد کنید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="185"/>
        <source>The password must have at least %1 characters.</source>
        <translation>گذرواژه باید دست‌کم %1 نویسه باشد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/admin_window.py" line="188"/>
        <source>The two passwords are not the same.</source>
        <translation>دو گذرواژهٔ واردشده یکسان نیست.</translation>
    </message>
</context>
<context>
    <name>RoleNames</name>
    <message>
        <location filename="../../app/ui/role_names.py" line="1"/>
        <source>Agency administrator</source>
        <translation>راهبر سازمان</translation>
    </message>
    <message>
        <location filename="../../app/ui/role_names.py" line="1"/>
        <source>Rasad observer</source>
        <translation>ناظر رصد</translation>
    </message>
    <message>
        <location filename="../../app/ui/role_names.py" line="1"/>
        <source>Secretariat clerk</source>
        <translation>کارمند دبیرخانه</translation>
    </message>
    <message>
        <location filename="../../app/ui/role_names.py" line="1"/>
        <source>Signatory</source>
        <translation>امضاکننده</translation>
    </message>
    <message>
        <location filename="../../app/ui/role_names.py" line="1"/>
        <source>Staff</source>
        <translation>کارشناس</translation>
    </message>
    <message>
        <location filename="../../app/ui/role_names.py" line="1"/>
        <source>Unit manager</source>
        <translation>مدیر واحد</translation>
    </message>
</context>
</TS>
