<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AlbumDialog</name>
    <message>
        <source>New album</source>
        <translation>新建相册</translation>
    </message>
    <message>
        <source>A smart album keeps the photos that match what you describe or look like your examples, new ones included as they are indexed.</source>
        <translation>智能相册会收录与你的描述相符或与示例照片相像的照片，新索引的照片也会自动加入。</translation>
    </message>
    <message>
        <source>Receipts</source>
        <translation>收据</translation>
    </message>
    <message>
        <source>receipts, our cat Mimi, sunsets at the beach…</source>
        <translation>收据、我们家的猫咪咪、海边日落……</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Description:</source>
        <translation>描述：</translation>
    </message>
    <message>
        <source>Like these:</source>
        <translation>像这些：</translation>
    </message>
    <message>
        <source>But not like these (optional):</source>
        <translation>但不像这些（可选）：</translation>
    </message>
    <message>
        <source>Create album</source>
        <translation>创建相册</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Give the album a name.</source>
        <translation>请给相册起个名字。</translation>
    </message>
    <message>
        <source>Describe the album in a few words, or add example photos.</source>
        <translation>请用几个词描述这个相册，或添加示例照片。</translation>
    </message>
</context>
<context>
    <name>AlbumView</name>
    <message>
        <source>Strictness</source>
        <translation>严格程度</translation>
    </message>
    <message>
        <source>Looser: more photos join. Stricter: only the closest matches stay.</source>
        <translation>宽松：收录更多照片。严格：只保留最相符的照片。</translation>
    </message>
    <message>
        <source>Remove album</source>
        <translation>删除相册</translation>
    </message>
    <message>
        <source>Looser</source>
        <translation>宽松</translation>
    </message>
    <message>
        <source>Stricter</source>
        <translation>严格</translation>
    </message>
    <message numerus="yes">
        <source>Album “{name}”: %n photo(s)</source>
        <translation>
            <numerusform>相册“{name}”：%n 张照片</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) entering</source>
        <translation>
            <numerusform>将加入 %n 张照片</numerusform>
        </translation>
    </message>
    <message>
        <source>Entering</source>
        <translation>将加入</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) leaving</source>
        <translation>
            <numerusform>将移出 %n 张照片</numerusform>
        </translation>
    </message>
    <message>
        <source>Leaving</source>
        <translation>将移出</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s)</source>
        <translation>
            <numerusform>%n 张照片</numerusform>
        </translation>
    </message>
    <message>
        <source>The album could not be read: {error}</source>
        <translation>无法读取相册：{error}</translation>
    </message>
</context>
<context>
    <name>Banner</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>CoreText</name>
    <message>
        <source>{path} is not reachable (unplugged or unmounted?); its photos are kept.</source>
        <translation>无法访问 {path}（已拔出或未挂载？）；其中的照片仍会保留。</translation>
    </message>
    <message>
        <source>{path} does not exist.</source>
        <translation>{path} 不存在。</translation>
    </message>
    <message>
        <source>{path} is not a folder.</source>
        <translation>{path} 不是文件夹。</translation>
    </message>
    <message>
        <source>{path} cannot be read (permission denied).</source>
        <translation>无法读取 {path}（没有权限）。</translation>
    </message>
    <message>
        <source>{path} is already included in the watched folder {root}.</source>
        <translation>{path} 已包含在已添加的文件夹 {root} 中。</translation>
    </message>
    <message>
        <source>{path} is not a watched folder.</source>
        <translation>{path} 不是已添加的文件夹。</translation>
    </message>
    <message>
        <source>Cannot watch {path}: {error}</source>
        <translation>无法监视 {path}：{error}</translation>
    </message>
    <message>
        <source>The system limit on watched folders was reached while watching {path}; checking it by polling instead (raise fs.inotify.max_user_watches to avoid this).</source>
        <translation>监视 {path} 时达到了系统可监视文件夹的上限，改为定期检查（调高 fs.inotify.max_user_watches 可避免这种情况）。</translation>
    </message>
    <message>
        <source>Too many file changes at once; rescanning the folders.</source>
        <translation>同时变动的文件太多，正在重新扫描文件夹。</translation>
    </message>
    <message>
        <source>The search index stopped unexpectedly; it is being reloaded.</source>
        <translation>搜索索引意外停止，正在重新载入。</translation>
    </message>
    <message>
        <source>Indexing stopped by an unexpected error: {error}</source>
        <translation>索引因意外错误而停止：{error}</translation>
    </message>
    <message>
        <source>The CLIP model “{model}” is not on this computer and could not be downloaded ({reason}). Connect to the internet once so clipdesk can fetch it (about 600 MB, kept afterwards), or choose a model folder you already have.</source>
        <translation>这台电脑上没有 CLIP 模型“{model}”，也无法下载（{reason}）。请联网一次，让 clipdesk 下载它（约 600 MB，之后保存在本机），或选择已有的模型文件夹。</translation>
    </message>
    <message>
        <source>The model folder {path} does not exist. Choose a folder that holds a CLIP model.</source>
        <translation>模型文件夹 {path} 不存在。请选择一个包含 CLIP 模型的文件夹。</translation>
    </message>
    <message>
        <source>The folder {path} does not hold a usable CLIP model ({error}).</source>
        <translation>文件夹 {path} 中没有可用的 CLIP 模型（{error}）。</translation>
    </message>
    <message>
        <source>No multilingual text model is known for the image model {model}, so only English queries can be answered. Set the query languages to English only, or set CLIPDESK_MULTILINGUAL_MODEL to a text model made for it.</source>
        <translation>图像模型 {model} 没有对应的多语言文本模型，因此只能用英文搜索。请将搜索语言设为“仅英文”，或将 CLIPDESK_MULTILINGUAL_MODEL 设为适配它的文本模型。</translation>
    </message>
    <message>
        <source>The multilingual text model “{model}” is not on this computer and could not be downloaded ({reason}). Connect to the internet once so clipdesk can fetch it (about 540 MB, kept afterwards). English queries keep working meanwhile.</source>
        <translation>这台电脑上没有多语言文本模型“{model}”，也无法下载（{reason}）。请联网一次，让 clipdesk 下载它（约 540 MB，之后保存在本机）。在此期间英文搜索仍可使用。</translation>
    </message>
    <message>
        <source>The multilingual text model folder {path} does not exist. English queries keep working meanwhile.</source>
        <translation>多语言文本模型文件夹 {path} 不存在。在此期间英文搜索仍可使用。</translation>
    </message>
    <message>
        <source>The folder {path} does not hold a usable multilingual text model ({error}). English queries keep working meanwhile.</source>
        <translation>文件夹 {path} 中没有可用的多语言文本模型（{error}）。在此期间英文搜索仍可使用。</translation>
    </message>
    <message>
        <source>empty file (0 bytes)</source>
        <translation>空文件（0 字节）</translation>
    </message>
    <message>
        <source>not an image, or a format clipdesk cannot read</source>
        <translation>不是图片，或是 clipdesk 无法读取的格式</translation>
    </message>
    <message>
        <source>permission denied</source>
        <translation>没有权限</translation>
    </message>
    <message>
        <source>file disappeared before it could be read</source>
        <translation>文件在读取前已消失</translation>
    </message>
    <message>
        <source>is a folder, not an image file</source>
        <translation>这是文件夹，不是图片文件</translation>
    </message>
    <message>
        <source>the file is truncated (incomplete download or copy?)</source>
        <translation>文件不完整（下载或复制未完成？）</translation>
    </message>
    <message>
        <source>corrupt or unreadable image data: {error}</source>
        <translation>图片数据已损坏或无法读取：{error}</translation>
    </message>
    <message>
        <source>image too large to decode safely ({error})</source>
        <translation>图片太大，无法安全解码（{error}）</translation>
    </message>
    <message>
        <source>not enough memory to decode this image</source>
        <translation>内存不足，无法解码这张图片</translation>
    </message>
    <message>
        <source>the decoder crashed on this file ({error})</source>
        <translation>解码这个文件时解码程序崩溃了（{error}）</translation>
    </message>
    <message>
        <source>broken symbolic link (its target is missing)</source>
        <translation>符号链接已失效（目标不存在）</translation>
    </message>
    <message>
        <source>The disk holding clipdesk&apos;s data ({path}) is full: indexing paused, nothing was lost; free {mb} MB or move the data folder (Library ▸ Move the Data Folder…).</source>
        <translation>存放 clipdesk 数据的磁盘（{path}）已满：索引已暂停，没有丢失任何内容；请释放 {mb} MB 空间，或移动数据文件夹（图库 ▸ 移动数据文件夹…）。</translation>
    </message>
    <message>
        <source>The disk holding clipdesk&apos;s data ({path}) is read-only: indexing paused, nothing was lost; make it writable or move the data folder (Library ▸ Move the Data Folder…).</source>
        <translation>存放 clipdesk 数据的磁盘（{path}）是只读的：索引已暂停，没有丢失任何内容；请让它可写，或移动数据文件夹（图库 ▸ 移动数据文件夹…）。</translation>
    </message>
    <message>
        <source>The data disk has room again: indexing resumed.</source>
        <translation>数据磁盘又有空间了：索引已继续。</translation>
    </message>
    <message>
        <source>The catalog could not be backed up: {error}</source>
        <translation>无法备份目录：{error}</translation>
    </message>
    <message>
        <source>The disk holding the catalog ({path}) is full: free some space and try again; nothing was lost.</source>
        <translation>存放图库目录的磁盘（{path}）已满：请腾出一些空间后重试；没有丢失任何数据。</translation>
    </message>
    <message>
        <source>The catalog ({path}) is on a read-only disk or folder: make it writable, or choose another data folder with --data-dir; nothing was lost.</source>
        <translation>图库目录（{path}）位于只读的磁盘或文件夹中：请将其设为可写，或用 --data-dir 选择其他数据文件夹；没有丢失任何数据。</translation>
    </message>
    <message>
        <source>The catalog file {path} is damaged and cannot be read. Your photos are untouched. Run `clipdesk recover --from-backup` to restore the latest backup, or `clipdesk recover --salvage` to keep what can still be read (folders and settings first); either way the damaged file is kept aside and missing photos are indexed again.</source>
        <translation>图库目录文件 {path} 已损坏，无法读取。您的照片完好无损。运行 `clipdesk recover --from-backup` 可恢复最近的备份，运行 `clipdesk recover --salvage` 可保留仍能读取的内容（优先保留文件夹和设置）；无论哪种方式，损坏的文件都会另行保存，缺少的照片会重新建立索引。</translation>
    </message>
    <message>
        <source>The catalog ({path}) stayed locked by another program (another clipdesk?): close it or wait for it to finish, then try again; nothing was lost.</source>
        <translation>图库目录（{path}）一直被其他程序（另一个 clipdesk？）锁定：请关闭该程序或等它完成后重试；没有丢失任何数据。</translation>
    </message>
    <message>
        <source>The catalog ({path}) was closed while this was running (clipdesk was stopping); nothing was lost.</source>
        <translation>图库目录（{path}）在此操作进行时被关闭（clipdesk 正在退出）；没有丢失任何数据。</translation>
    </message>
    <message>
        <source>The catalog ({path}) could not be used: {error}</source>
        <translation>无法使用图库目录（{path}）：{error}</translation>
    </message>
</context>
<context>
    <name>DataSafety</name>
    <message>
        <source>Indexing paused: the data disk is read-only</source>
        <translation>索引已暂停：数据磁盘是只读的</translation>
    </message>
    <message>
        <source>Indexing paused: the data disk is full</source>
        <translation>索引已暂停：数据磁盘已满</translation>
    </message>
    <message>
        <source>The current catalog cannot be read: whatever it held since the backup.</source>
        <translation>当前目录无法读取：备份之后它记录的所有内容。</translation>
    </message>
    <message>
        <source>1 photo indexed since then (it will be indexed again)</source>
        <translation>此后索引的 1 张照片（会重新索引）</translation>
    </message>
    <message>
        <source>{n} photos indexed since then (they will be indexed again)</source>
        <translation>此后索引的 {n} 张照片（会重新索引）</translation>
    </message>
    <message>
        <source>folders added since: {folders}</source>
        <translation>此后添加的文件夹：{folders}</translation>
    </message>
    <message>
        <source>folders removed since will come back: {folders}</source>
        <translation>此后移除的文件夹会回来：{folders}</translation>
    </message>
    <message>
        <source>settings changed since then go back to what they were</source>
        <translation>此后更改的设置会恢复为当时的样子</translation>
    </message>
    <message>
        <source>changes since then to: {tables}</source>
        <translation>此后对这些内容的更改：{tables}</translation>
    </message>
    <message>
        <source>nothing</source>
        <translation>没有</translation>
    </message>
    <message>
        <source>Restore the backup from {date} ({what})?

Lost since it was taken:
{lost}

The current catalog is kept aside, not deleted. Search pauses while the backup is put in place.</source>
        <translation>要恢复 {date} 的备份（{what}）吗？

备份之后会丢失：
{lost}

当前目录会另存一旁，不会删除。放回备份期间搜索会暂停。</translation>
    </message>
    <message>
        <source>clipdesk is indexing this library in a terminal (`clipdesk index`): stop it first.</source>
        <translation>clipdesk 正在终端里索引这个资料库（`clipdesk index`）：请先停止它。</translation>
    </message>
    <message>
        <source>Backing up the catalog…</source>
        <translation>正在备份目录…</translation>
    </message>
    <message>
        <source>The catalog was backed up ({what}) to {path}.</source>
        <translation>目录已备份（{what}）到 {path}。</translation>
    </message>
    <message>
        <source>The catalog could not be backed up: {why}</source>
        <translation>无法备份目录：{why}</translation>
    </message>
    <message>
        <source>Restore a Backup</source>
        <translation>恢复备份</translation>
    </message>
    <message>
        <source>There is no backup yet. Library ▸ Back Up Now makes one.</source>
        <translation>还没有备份。可用“图库 ▸ 立即备份”创建一个。</translation>
    </message>
    <message>
        <source>Which backup? (newest first)</source>
        <translation>恢复哪个备份？（最新的在前）</translation>
    </message>
    <message>
        <source>Restoring the backup…</source>
        <translation>正在恢复备份…</translation>
    </message>
    <message>
        <source>Move clipdesk&apos;s Data To</source>
        <translation>将 clipdesk 的数据移动到</translation>
    </message>
    <message>
        <source>Move clipdesk&apos;s data (catalog, search index, thumbnails and backups) from {source} to {dest}?

Indexing and search pause while it is copied and checked. If the move is interrupted, the old folder stays in use; it is removed only once the new one is complete.</source>
        <translation>要把 clipdesk 的数据（目录、搜索索引、缩略图和备份）从 {source} 移动到 {dest} 吗？

复制和检查期间，索引和搜索会暂停。如果移动被中断，仍会使用原来的文件夹；只有新文件夹完整后才会删除旧的。</translation>
    </message>
    <message>
        <source>Move the Data Folder</source>
        <translation>移动数据文件夹</translation>
    </message>
    <message>
        <source>Moving clipdesk&apos;s data to {dest}…</source>
        <translation>正在把 clipdesk 的数据移动到 {dest}…</translation>
    </message>
    <message>
        <source>The backup was restored ({what}); missing photos are indexed again.</source>
        <translation>备份已恢复（{what}）；缺少的照片正在重新索引。</translation>
    </message>
    <message>
        <source>The catalog was salvaged ({what}); missing photos are indexed again.</source>
        <translation>目录已抢救（{what}）；缺少的照片正在重新索引。</translation>
    </message>
    <message>
        <source>The backup was restored ({what}); the previous catalog was kept as {path}.</source>
        <translation>备份已恢复（{what}）；之前的目录保存为 {path}。</translation>
    </message>
    <message>
        <source>clipdesk&apos;s data is now in {dest}.</source>
        <translation>clipdesk 的数据现在位于 {dest}。</translation>
    </message>
    <message>
        <source>The backup could not be restored: {why}. Nothing was changed.</source>
        <translation>无法恢复备份：{why}。没有做任何更改。</translation>
    </message>
    <message>
        <source>The data folder could not be moved: {why}. The old folder is still in use.</source>
        <translation>无法移动数据文件夹：{why}。仍在使用原来的文件夹。</translation>
    </message>
</context>
<context>
    <name>DiskStatus</name>
    <message>
        <source>What to do…</source>
        <translation>怎么办…</translation>
    </message>
    <message>
        <source>Open the Data Folder</source>
        <translation>打开数据文件夹</translation>
    </message>
    <message>
        <source>Move the Data Folder…</source>
        <translation>移动数据文件夹…</translation>
    </message>
    <message>
        <source>The data disk is read-only: indexing paused, nothing was lost.</source>
        <translation>数据磁盘是只读的：索引已暂停，没有丢失任何内容。</translation>
    </message>
    <message>
        <source>The data disk is full: indexing paused, nothing was lost.</source>
        <translation>数据磁盘已满：索引已暂停，没有丢失任何内容。</translation>
    </message>
    <message>
        <source>The data disk is full: indexing paused, nothing was lost; free {mb} MB or move the data folder.</source>
        <translation>数据磁盘已满：索引已暂停，没有丢失任何内容；请释放 {mb} MB 空间，或移动数据文件夹。</translation>
    </message>
</context>
<context>
    <name>DropOverlay</name>
    <message>
        <source>Drop to find photos like this one</source>
        <translation>松开即可查找与之相似的照片</translation>
    </message>
</context>
<context>
    <name>DuplicateCard</name>
    <message>
        <source>Move the Others to Trash</source>
        <translation>将其余的移到废纸篓</translation>
    </message>
    <message>
        <source>Suggested to keep: {reason}</source>
        <translation>建议保留：{reason}</translation>
    </message>
    <message numerus="yes">
        <source>Exact copies: %n file(s) with the same bytes</source>
        <translation>
            <numerusform>完全相同的副本：%n 个内容完全一致的文件</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The same picture: %n file(s) in other sizes, formats, crops or turns</source>
        <translation>
            <numerusform>同一张照片：%n 个不同尺寸、格式、裁切或方向的版本</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Similar shots: %n photo(s) taken moments apart</source>
        <translation>
            <numerusform>相似的照片：%n 张相隔片刻拍摄的照片</numerusform>
        </translation>
    </message>
    <message>
        <source>the most pixels ({width} × {height})</source>
        <translation>像素最多（{width} × {height}）</translation>
    </message>
    <message>
        <source>it keeps its capture date</source>
        <translation>保留了拍摄日期</translation>
    </message>
    <message>
        <source>the original format ({format})</source>
        <translation>原始格式（{format}）</translation>
    </message>
    <message>
        <source>the largest file ({size})</source>
        <translation>文件最大（{size}）</translation>
    </message>
    <message>
        <source>taken first ({date})</source>
        <translation>最先拍摄（{date}）</translation>
    </message>
    <message>
        <source>in your first photo folder</source>
        <translation>位于您的第一个照片文件夹</translation>
    </message>
    <message>
        <source>the shortest name</source>
        <translation>名称最短</translation>
    </message>
    <message>
        <source>the best of the group</source>
        <translation>组内最佳</translation>
    </message>
</context>
<context>
    <name>DuplicatesView</name>
    <message>
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <source>Exact copies</source>
        <translation>完全相同的副本</translation>
    </message>
    <message>
        <source>The same picture</source>
        <translation>同一张照片</translation>
    </message>
    <message>
        <source>Similar shots</source>
        <translation>相似的照片</translation>
    </message>
    <message>
        <source>Kind of duplicates</source>
        <translation>重复类型</translation>
    </message>
    <message>
        <source>Strictness:</source>
        <translation>严格程度：</translation>
    </message>
    <message>
        <source>Loose</source>
        <translation>宽松</translation>
    </message>
    <message>
        <source>How alike two shots must be to count as similar</source>
        <translation>两张照片要多像才算相似</translation>
    </message>
    <message>
        <source>Strictness for similar shots</source>
        <translation>相似照片的严格程度</translation>
    </message>
    <message>
        <source>Strict</source>
        <translation>严格</translation>
    </message>
    <message>
        <source>Move the Others to Trash in All Groups</source>
        <translation>将所有组中其余的移到废纸篓</translation>
    </message>
    <message>
        <source>Show More Groups</source>
        <translation>显示更多组</translation>
    </message>
    <message>
        <source>Looking for duplicates…</source>
        <translation>正在查找重复照片…</translation>
    </message>
    <message>
        <source>No duplicates found</source>
        <translation>没有找到重复照片</translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) could go to the Trash</source>
        <translation>
            <numerusform>%n 个文件可以移到废纸篓</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n group(s)</source>
        <translation>
            <numerusform>%n 组</numerusform>
        </translation>
    </message>
    <message>
        <source>Finding duplicates failed: {why}</source>
        <translation>查找重复照片失败：{why}</translation>
    </message>
    <message>
        <source>No duplicates here. Copies, converted or resized versions and similar shots of your photos will appear here as they are indexed.</source>
        <translation>这里没有重复照片。照片的副本、转换格式或缩放后的版本以及相似的照片会在建立索引时出现在这里。</translation>
    </message>
    <message>
        <source>Move to Trash</source>
        <translation>移到废纸篓</translation>
    </message>
    <message numerus="yes">
        <source>Move %n file(s) ({size}) to the Trash?</source>
        <translation>
            <numerusform>将 %n 个文件（{size}）移到废纸篓？</numerusform>
        </translation>
    </message>
    <message>
        <source>The photo marked Keep stays in each group. The others go to the Trash, where you can restore them; nothing is deleted.</source>
        <translation>每组中标记为“保留”的照片会留下。其余的会移到废纸篓，您可以从那里恢复；不会删除任何文件。</translation>
    </message>
    <message numerus="yes">
        <source>Moving %n file(s) to the Trash…</source>
        <translation>
            <numerusform>正在将 %n 个文件移到废纸篓…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Moved %n file(s) to the Trash</source>
        <translation>
            <numerusform>已将 %n 个文件移到废纸篓</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n could not be moved</source>
        <translation>
            <numerusform>%n 个无法移动</numerusform>
        </translation>
    </message>
    <message>
        <source>{path}: {why}</source>
        <translation>{path}：{why}</translation>
    </message>
    <message>
        <source>Moving to the Trash failed: {why}</source>
        <translation>移到废纸篓失败：{why}</translation>
    </message>
    <message>
        <source>the photo library is not open</source>
        <translation>照片库尚未打开</translation>
    </message>
</context>
<context>
    <name>EmptyChoice</name>
    <message>
        <source>Connecting to the shared library…</source>
        <translation>正在连接共享图库…</translation>
    </message>
    <message>
        <source>The shared library&apos;s server cannot be reached</source>
        <translation>无法连接共享图库的服务器</translation>
    </message>
    <message>
        <source>clipdesk could not connect to {server}. Nothing is lost: your photos and the library are safe. Start the server or check the address and the network, then retry.</source>
        <translation>clipdesk 无法连接到 {server}。没有丢失任何内容：你的照片和图库都安然无恙。请启动服务器，或检查地址和网络，然后重试。</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Use this computer&apos;s library</source>
        <translation>使用这台电脑上的图库</translation>
    </message>
    <message>
        <source>The data disk is read-only</source>
        <translation>数据磁盘是只读的</translation>
    </message>
    <message>
        <source>clipdesk cannot write to the disk that holds its data, so indexing is paused; nothing was lost. Make that disk writable or move the data folder: indexing resumes by itself.</source>
        <translation>clipdesk 无法写入存放其数据的磁盘，因此索引已暂停；没有丢失任何内容。请让该磁盘可写，或移动数据文件夹：索引会自动继续。</translation>
    </message>
    <message>
        <source>The data disk is full</source>
        <translation>数据磁盘已满</translation>
    </message>
    <message>
        <source>The disk that holds clipdesk&apos;s data has no room left, so indexing is paused; nothing was lost. Free some space on it or move the data folder: indexing resumes by itself.</source>
        <translation>存放 clipdesk 数据的磁盘已没有剩余空间，因此索引已暂停；没有丢失任何内容。请释放一些空间，或移动数据文件夹：索引会自动继续。</translation>
    </message>
    <message>
        <source>Move the Data Folder…</source>
        <translation>移动数据文件夹…</translation>
    </message>
    <message>
        <source>Open the Data Folder</source>
        <translation>打开数据文件夹</translation>
    </message>
    <message>
        <source>Your photo library could not be opened</source>
        <translation>无法打开您的图库</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Opening your photo library…</source>
        <translation>正在打开图库…</translation>
    </message>
    <message>
        <source>Waiting for the search model</source>
        <translation>正在等待搜索模型</translation>
    </message>
    <message>
        <source>clipdesk needs its CLIP model to index and search your photos. Choose a folder that holds one (button above), or connect to the internet once and try again.</source>
        <translation>clipdesk 需要 CLIP 模型才能为照片建立索引和搜索。请选择包含模型的文件夹（上方按钮），或联网一次后重试。</translation>
    </message>
    <message>
        <source>clipdesk is looking at your photos. They appear here as soon as the first ones are indexed; you can start typing now.</source>
        <translation>clipdesk 正在查看您的照片。首批照片建立索引后就会显示在这里；现在就可以开始输入搜索。</translation>
    </message>
    <message>
        <source>Indexing starts as soon as the search model is ready.</source>
        <translation>搜索模型就绪后即开始建立索引。</translation>
    </message>
    <message>
        <source>Nothing indexed yet</source>
        <translation>尚未建立索引</translation>
    </message>
    <message>
        <source>No photos found</source>
        <translation>未找到照片</translation>
    </message>
    <message>
        <source>There are no photos clipdesk can read in {folders}. Add the folder that holds your photos (JPEG, PNG, HEIC, WebP, TIFF…).</source>
        <translation>{folders} 中没有 clipdesk 可以读取的照片。请添加存放照片的文件夹（JPEG、PNG、HEIC、WebP、TIFF…）。</translation>
    </message>
    <message>
        <source>Manage folders…</source>
        <translation>管理文件夹…</translation>
    </message>
    <message>
        <source>Loading your photos…</source>
        <translation>正在载入照片…</translation>
    </message>
    <message>
        <source>No photos here</source>
        <translation>这里没有照片</translation>
    </message>
    <message>
        <source>No photo matches the current folder and date filters.</source>
        <translation>没有照片符合当前的文件夹和日期筛选条件。</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>清除筛选</translation>
    </message>
    <message>
        <source>What are you looking for?</source>
        <translation>您想找什么？</translation>
    </message>
    <message>
        <source>Describe a photo in a few words, like “birthday cake” or “red car in the snow”, or drop a photo here to find ones like it. Photos ready to search: %Ln.</source>
        <translation>用几个词描述照片，例如“生日蛋糕”或“雪地里的红色汽车”，或将照片拖到这里查找相似的照片。可搜索的照片：%Ln 张。</translation>
    </message>
    <message>
        <source>Search by image…</source>
        <translation>以图搜图…</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <source>Text search needs the search model</source>
        <translation>文字搜索需要搜索模型</translation>
    </message>
    <message>
        <source>The model could not be loaded, so words cannot be matched to photos yet. Choose a model folder (button above). Meanwhile, dropping a photo that is already indexed here still finds similar ones.</source>
        <translation>模型无法载入，暂时无法按文字匹配照片。请选择模型文件夹（上方按钮）。在此期间，把已建立索引的照片拖到这里仍可查找相似照片。</translation>
    </message>
    <message>
        <source>This search needs the multilingual text model</source>
        <translation>此次搜索需要多语言文本模型</translation>
    </message>
    <message>
        <source>Search in English only</source>
        <translation>仅用英文搜索</translation>
    </message>
    <message>
        <source>That image could not be read</source>
        <translation>无法读取该图片</translation>
    </message>
    <message>
        <source>Search by another image…</source>
        <translation>换一张图片搜索…</translation>
    </message>
    <message>
        <source>No matches</source>
        <translation>没有匹配结果</translation>
    </message>
    <message>
        <source>No photo matches with the current folder and date filters.</source>
        <translation>没有照片符合当前的文件夹和日期筛选条件。</translation>
    </message>
    <message>
        <source>Try other words, or search with a photo.</source>
        <translation>换个说法试试，或用照片搜索。</translation>
    </message>
</context>
<context>
    <name>ErrorsButton</name>
    <message>
        <source>Files that could not be read, and why</source>
        <translation>无法读取的文件及原因</translation>
    </message>
    <message numerus="yes">
        <source>%Ln unreadable</source>
        <translation>
            <numerusform>%Ln 个无法读取</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ErrorsDialog</name>
    <message>
        <source>Files that could not be read</source>
        <translation>无法读取的文件</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在载入…</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Copy list</source>
        <translation>复制列表</translation>
    </message>
    <message>
        <source>unknown reason</source>
        <translation>原因不明</translation>
    </message>
    <message>
        <source>Every photo could be read.</source>
        <translation>所有照片都能读取。</translation>
    </message>
    <message numerus="yes">
        <source>%Ln file(s) could not be read.</source>
        <translation>
            <numerusform>有 %Ln 个文件无法读取。</numerusform>
        </translation>
    </message>
    <message>
        <source>They are skipped; clipdesk tries again when a file changes. Double-click a file to show it in its folder.</source>
        <translation>这些文件已被跳过；文件有变动时 clipdesk 会再试一次。双击文件可在其所在文件夹中显示。</translation>
    </message>
    <message numerus="yes">
        <source>The first %Ln are listed.</source>
        <translation>
            <numerusform>下面列出前 %Ln 个。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <source>New photos indexed: refresh</source>
        <translation>有新照片已建立索引：刷新</translation>
    </message>
    <message>
        <source>Only photos in this folder</source>
        <translation>只显示此文件夹中的照片</translation>
    </message>
    <message>
        <source>Only photos taken in this period</source>
        <translation>只显示这段时间拍摄的照片</translation>
    </message>
    <message>
        <source>Any date</source>
        <translation>任意日期</translation>
    </message>
    <message>
        <source>Past 7 days</source>
        <translation>最近 7 天</translation>
    </message>
    <message>
        <source>Past 30 days</source>
        <translation>最近 30 天</translation>
    </message>
    <message>
        <source>Past 12 months</source>
        <translation>最近 12 个月</translation>
    </message>
    <message>
        <source>Custom dates…</source>
        <translation>自定义日期…</translation>
    </message>
    <message>
        <source>Taken on or after</source>
        <translation>拍摄日期不早于</translation>
    </message>
    <message>
        <source>Taken on or before</source>
        <translation>拍摄日期不晚于</translation>
    </message>
    <message>
        <source>Best match</source>
        <translation>最佳匹配</translation>
    </message>
    <message>
        <source>Newest first</source>
        <translation>最新的在前</translation>
    </message>
    <message>
        <source>Oldest first</source>
        <translation>最早的在前</translation>
    </message>
    <message>
        <source>Order of the results</source>
        <translation>结果的排列顺序</translation>
    </message>
    <message>
        <source>{phrase}  ✕</source>
        <translation>{phrase}  ✕</translation>
    </message>
    <message>
        <source>Only photos taken {phrase}, from the words of the search. Click to search without this date.</source>
        <translation>根据搜索词，只显示{phrase}拍摄的照片。点击可取消此日期限制再搜索。</translation>
    </message>
    <message>
        <source>{name}  ✕</source>
        <translation>{name}  ✕</translation>
    </message>
    <message>
        <source>Only photos of “{name}”. Click to remove.</source>
        <translation>只显示“{name}”的照片。点击取消。</translation>
    </message>
    <message>
        <source>All folders</source>
        <translation>所有文件夹</translation>
    </message>
    <message>
        <source>Choose a folder…</source>
        <translation>选择文件夹…</translation>
    </message>
    <message>
        <source>Only photos in</source>
        <translation>只显示以下位置的照片：</translation>
    </message>
</context>
<context>
    <name>FoldersDialog</name>
    <message>
        <source>Photo folders</source>
        <translation>照片文件夹</translation>
    </message>
    <message>
        <source>clipdesk indexes the photos in these folders and their subfolders, and keeps watching them for new, changed and deleted photos. Removing a folder only removes it from clipdesk; your files are not touched.</source>
        <translation>clipdesk 会为这些文件夹及其子文件夹中的照片建立索引，并持续留意新增、修改和删除的照片。移除文件夹只是让 clipdesk 不再管理它，您的文件不会被改动。</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Skip files and folders matching (one pattern per line, e.g. &lt;i&gt;raw&lt;/i&gt;, &lt;i&gt;*.png&lt;/i&gt;, &lt;i&gt;Screenshots&lt;/i&gt;):</source>
        <translation>跳过符合以下规则的文件和文件夹（每行一条，例如 &lt;i&gt;raw&lt;/i&gt;、&lt;i&gt;*.png&lt;/i&gt;、&lt;i&gt;Screenshots&lt;/i&gt;）：</translation>
    </message>
    <message>
        <source>Nothing skipped</source>
        <translation>不跳过任何内容</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Offline: photos kept until it is back</source>
        <translation>离线：照片会保留到它重新连接</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Watching for changes</source>
        <translation>正在留意变动</translation>
    </message>
    <message>
        <source>Checking every few seconds (polling)</source>
        <translation>每隔几秒检查一次（轮询）</translation>
    </message>
    <message>
        <source>Waiting to be scanned</source>
        <translation>等待扫描</translation>
    </message>
    <message>
        <source>Add a photo folder</source>
        <translation>添加照片文件夹</translation>
    </message>
    <message>
        <source>Remove folder</source>
        <translation>移除文件夹</translation>
    </message>
    <message>
        <source>Stop searching the photos in {folder}?

The files stay where they are; only clipdesk forgets them.</source>
        <translation>不再搜索 {folder} 中的照片吗？

文件会原样保留，只是 clipdesk 不再记录它们。</translation>
    </message>
</context>
<context>
    <name>ImageChip</name>
    <message>
        <source>Remove the image from the search</source>
        <translation>从搜索中移除这张图片</translation>
    </message>
    <message>
        <source>Remove image</source>
        <translation>移除图片</translation>
    </message>
</context>
<context>
    <name>IndexingStatus</name>
    <message>
        <source>less than a minute left</source>
        <translation>剩余不到 1 分钟</translation>
    </message>
    <message>
        <source>about {n} min left</source>
        <translation>剩余约 {n} 分钟</translation>
    </message>
    <message>
        <source>about {h} h left</source>
        <translation>剩余约 {h} 小时</translation>
    </message>
    <message>
        <source>about {h} h {m} min left</source>
        <translation>剩余约 {h} 小时 {m} 分钟</translation>
    </message>
    <message>
        <source>Resume indexing</source>
        <translation>继续建立索引</translation>
    </message>
    <message>
        <source>Pause indexing</source>
        <translation>暂停建立索引</translation>
    </message>
    <message>
        <source>Looking for new photos…</source>
        <translation>正在查找新照片…</translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation>{done} / {total}</translation>
    </message>
    <message>
        <source>Indexing paused at {counts}</source>
        <translation>索引已暂停：{counts}</translation>
    </message>
    <message>
        <source>Indexing {counts}</source>
        <translation>正在建立索引 {counts}</translation>
    </message>
    <message>
        <source>{rate} photos/s</source>
        <translation>每秒 {rate} 张</translation>
    </message>
</context>
<context>
    <name>LabelTiles</name>
    <message>
        <source>Filter things…</source>
        <translation>筛选事物……</translation>
    </message>
    <message>
        <source>Filter things</source>
        <translation>筛选事物</translation>
    </message>
    <message>
        <source>Things in your photos</source>
        <translation>照片中的事物</translation>
    </message>
    <message numerus="yes">
        <source>{name}: %n photo(s)</source>
        <translation>
            <numerusform>{name}：%n 张照片</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LabelsFlow</name>
    <message>
        <source>Replace album</source>
        <translation>替换相册</translation>
    </message>
    <message>
        <source>An album named “{name}” already exists. Replace its description and examples?</source>
        <translation>已有名为“{name}”的相册。要替换它的描述和示例照片吗？</translation>
    </message>
    <message>
        <source>Creating the album “{name}”…</source>
        <translation>正在创建相册“{name}”……</translation>
    </message>
    <message numerus="yes">
        <source>Album “{name}” created: %n photo(s)</source>
        <translation>
            <numerusform>已创建相册“{name}”：%n 张照片</numerusform>
        </translation>
    </message>
    <message>
        <source>The album could not be created: {error}</source>
        <translation>无法创建相册：{error}</translation>
    </message>
    <message>
        <source>Remove album</source>
        <translation>删除相册</translation>
    </message>
    <message>
        <source>Remove the album “{name}”? Its photos stay in your library.</source>
        <translation>删除相册“{name}”？其中的照片仍保留在你的图库中。</translation>
    </message>
    <message>
        <source>The albums could not be read: {error}</source>
        <translation>无法读取相册：{error}</translation>
    </message>
</context>
<context>
    <name>LanguageMenus</name>
    <message>
        <source>Interface &amp;Language</source>
        <translation>界面语言(&amp;L)</translation>
    </message>
    <message>
        <source>As the System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Query &amp;Languages</source>
        <translation>搜索语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Automatic</source>
        <translation>自动(&amp;A)</translation>
    </message>
    <message>
        <source>English words use CLIP&apos;s own text model; other languages the multilingual one</source>
        <translation>英文使用 CLIP 自带的文本模型，其他语言使用多语言模型</translation>
    </message>
    <message>
        <source>&amp;English Only</source>
        <translation>仅英文(&amp;E)</translation>
    </message>
    <message>
        <source>Every query is read as English (no extra model)</source>
        <translation>所有搜索都按英文理解（无需额外模型）</translation>
    </message>
    <message>
        <source>&amp;Any Language</source>
        <translation>任何语言(&amp;A)</translation>
    </message>
    <message>
        <source>Every query uses the multilingual text model (downloaded once)</source>
        <translation>所有搜索都使用多语言文本模型（只需下载一次）</translation>
    </message>
    <message>
        <source>The new interface language is used from the next start of clipdesk.</source>
        <translation>新的界面语言将在下次启动 clipdesk 时生效。</translation>
    </message>
</context>
<context>
    <name>LibraryLocation</name>
    <message>
        <source>Opening the shared library on {server}…</source>
        <translation>正在打开 {server} 上的共享图库…</translation>
    </message>
    <message>
        <source>Opening this computer&apos;s library…</source>
        <translation>正在打开这台电脑上的图库…</translation>
    </message>
</context>
<context>
    <name>LibraryLocationDialog</name>
    <message>
        <source>Library Location</source>
        <translation>图库位置</translation>
    </message>
    <message>
        <source>Where clipdesk keeps the catalog of your photos and what it knows about them.</source>
        <translation>clipdesk 存放照片目录及其所知照片信息的位置。</translation>
    </message>
    <message>
        <source>On this computer</source>
        <translation>在这台电脑上</translation>
    </message>
    <message>
        <source>Shared server (PostgreSQL)</source>
        <translation>共享服务器（PostgreSQL）</translation>
    </message>
    <message>
        <source>The library in clipdesk&apos;s data folder. Nothing to set up.</source>
        <translation>图库位于 clipdesk 的数据文件夹中，无需任何设置。</translation>
    </message>
    <message>
        <source>One library for several computers, in a PostgreSQL server with pgvector.</source>
        <translation>多台电脑共用一个图库，存放在装有 pgvector 的 PostgreSQL 服务器中。</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>A password is best kept in ~/.pgpass (or PGPASSWORD); one typed in the address is stored with clipdesk&apos;s settings and never shown.</source>
        <translation>密码最好保存在 ~/.pgpass（或 PGPASSWORD）中；写在地址里的密码会随 clipdesk 的设置一起保存，但绝不会显示。</translation>
    </message>
    <message>
        <source>CLIPDESK_LIBRARY is set: at start it is used instead of this choice.</source>
        <translation>已设置 CLIPDESK_LIBRARY：启动时将使用它，而不是这里的选择。</translation>
    </message>
    <message>
        <source>Type the server&apos;s address as a URL that starts with postgresql://</source>
        <translation>请以 postgresql:// 开头的网址形式输入服务器地址</translation>
    </message>
    <message>
        <source>Connecting to {server}…</source>
        <translation>正在连接 {server}…</translation>
    </message>
    <message>
        <source>Connected to {server}.</source>
        <translation>已连接到 {server}。</translation>
    </message>
    <message>
        <source>Could not connect to {server}: {why}</source>
        <translation>无法连接到 {server}：{why}</translation>
    </message>
</context>
<context>
    <name>LibraryModel</name>
    <message>
        <source>Date unknown</source>
        <translation>日期未知</translation>
    </message>
    <message>
        <source>{month_name} {year}</source>
        <translation>{year}年{month}月</translation>
    </message>
</context>
<context>
    <name>LibraryTasks</name>
    <message>
        <source>Added {folders} to the library; indexing runs in the background.</source>
        <translation>已将 {folders} 添加到图库，正在后台建立索引。</translation>
    </message>
    <message>
        <source>Another clipdesk (perhaps `clipdesk index` in a terminal) is indexing this library. This window can search, but it only picks up new photos after a restart once the other one is done.</source>
        <translation>另一个 clipdesk（可能是终端里的 `clipdesk index`）正在为这个图库建立索引。此窗口可以搜索，但要等那边完成并重启后才会显示新照片。</translation>
    </message>
    <message>
        <source>Choose a folder with a CLIP model (sentence-transformers or Hugging Face format)</source>
        <translation>选择包含 CLIP 模型的文件夹（sentence-transformers 或 Hugging Face 格式）</translation>
    </message>
    <message>
        <source>Downloading the search model</source>
        <translation>正在下载搜索模型</translation>
    </message>
    <message>
        <source>clipdesk needs its CLIP model once (about 600 MB); it is stored on this computer afterwards. Indexing starts when the download is done.</source>
        <translation>clipdesk 需要下载一次 CLIP 模型（约 600 MB），之后会保存在这台电脑上。下载完成后即开始建立索引。</translation>
    </message>
    <message>
        <source>Choose a local model folder…</source>
        <translation>选择本地模型文件夹…</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>The search model is not available</source>
        <translation>搜索模型不可用</translation>
    </message>
    <message>
        <source>Downloading the multilingual text model</source>
        <translation>正在下载多语言文本模型</translation>
    </message>
    <message>
        <source>Searching in languages other than English needs it once (about 540 MB); it is stored on this computer afterwards. English searches work meanwhile.</source>
        <translation>用英文以外的语言搜索需要下载一次该模型（约 540 MB），之后会保存在这台电脑上。在此期间英文搜索仍可使用。</translation>
    </message>
    <message>
        <source>Search in English only</source>
        <translation>仅用英文搜索</translation>
    </message>
    <message>
        <source>The multilingual text model is not available</source>
        <translation>多语言文本模型不可用</translation>
    </message>
    <message>
        <source>Loading the multilingual text model…</source>
        <translation>正在载入多语言文本模型…</translation>
    </message>
    <message>
        <source>About clipdesk</source>
        <translation>关于 clipdesk</translation>
    </message>
    <message>
        <source>&lt;h3&gt;clipdesk {version}&lt;/h3&gt;&lt;p&gt;Search your own photos by meaning, fully offline.&lt;/p&gt;&lt;p&gt;Library: {data}&lt;br&gt;Model: {model}&lt;/p&gt;</source>
        <translation>&lt;h3&gt;clipdesk {version}&lt;/h3&gt;&lt;p&gt;按内容搜索您自己的照片，完全离线。&lt;/p&gt;&lt;p&gt;图库：{data}&lt;br&gt;模型：{model}&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>LibraryView</name>
    <message numerus="yes">
        <source>%Ln photo(s), newest first</source>
        <translation>
            <numerusform>%Ln 张照片，最新的在前</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Duplicates</source>
        <translation>重复照片</translation>
    </message>
    <message>
        <source>Copies and similar shots (Ctrl+4)</source>
        <translation>副本和相似的照片（Ctrl+4）</translation>
    </message>
    <message>
        <source>Library</source>
        <translation>图库</translation>
    </message>
    <message>
        <source>All your photos, newest first (Ctrl+1)</source>
        <translation>所有照片，最新的在前 (Ctrl+1)</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>搜索结果</translation>
    </message>
    <message>
        <source>The last search (Ctrl+2)</source>
        <translation>最近一次搜索 (Ctrl+2)</translation>
    </message>
    <message>
        <source>Things</source>
        <translation>事物</translation>
    </message>
    <message>
        <source>What is in your photos, by kind (Ctrl+3)</source>
        <translation>照片里有什么，按类别查看（Ctrl+3）</translation>
    </message>
    <message>
        <source>&amp;Resume Indexing</source>
        <translation>继续建立索引(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Pause Indexing</source>
        <translation>暂停建立索引(&amp;P)</translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation>出了点问题</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>提示</translation>
    </message>
</context>
<context>
    <name>ModelIndicator</name>
    <message>
        <source>Loading model…</source>
        <translation>正在载入模型…</translation>
    </message>
    <message>
        <source>Downloading model…</source>
        <translation>正在下载模型…</translation>
    </message>
    <message>
        <source>Model: {name}</source>
        <translation>模型：{name}</translation>
    </message>
    <message>
        <source>Model ready</source>
        <translation>模型已就绪</translation>
    </message>
    <message>
        <source>Model unavailable</source>
        <translation>模型不可用</translation>
    </message>
    <message>
        <source>No library open</source>
        <translation>未打开图库</translation>
    </message>
</context>
<context>
    <name>PhotoCount</name>
    <message>
        <source>Photos in the library</source>
        <translation>图库中的照片</translation>
    </message>
    <message numerus="yes">
        <source>%Ln photo(s)</source>
        <translation>
            <numerusform>%Ln 张照片</numerusform>
        </translation>
    </message>
    <message>
        <source>{indexed} indexed, {pending} waiting, {errors} unreadable</source>
        <translation>已索引 {indexed} 张，等待中 {pending} 张，无法读取 {errors} 个</translation>
    </message>
</context>
<context>
    <name>PhotoText</name>
    <message>
        <source>Copy text</source>
        <translation>复制文字</translation>
    </message>
    <message>
        <source>Copy the text read in this photo</source>
        <translation>复制这张照片中识别出的文字</translation>
    </message>
</context>
<context>
    <name>TextReadingStatus</name>
    <message>
        <source>{done} of {total}</source>
        <translation>{done} / {total}</translation>
    </message>
    <message>
        <source>Reading text in photos: {counts} (after indexing)</source>
        <translation>正在识别照片中的文字：{counts}（索引完成后继续）</translation>
    </message>
    <message>
        <source>Reading text in photos: {counts}</source>
        <translation>正在识别照片中的文字：{counts}</translation>
    </message>
</context>
<context>
    <name>PhotoLabels</name>
    <message>
        <source>What&apos;s in this photo:</source>
        <translation>这张照片里有：</translation>
    </message>
    <message>
        <source>looking…</source>
        <translation>识别中……</translation>
    </message>
    <message>
        <source>not available until the search model is ready</source>
        <translation>搜索模型就绪后才能识别</translation>
    </message>
    <message>
        <source>nothing recognised</source>
        <translation>未识别出内容</translation>
    </message>
    <message>
        <source>{name} {percent}%</source>
        <translation>{name} {percent}%</translation>
    </message>
    <message>
        <source>Show all photos of “{name}”</source>
        <translation>显示“{name}”的所有照片</translation>
    </message>
</context>
<context>
    <name>PhotoList</name>
    <message>
        <source>Add photos…</source>
        <translation>添加照片……</translation>
    </message>
    <message numerus="yes">
        <source>Use selected photos (%n)</source>
        <translation>
            <numerusform>使用所选照片（%n 张）</numerusform>
        </translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Choose example photos</source>
        <translation>选择示例照片</translation>
    </message>
    <message>
        <source>Images ({patterns})</source>
        <translation>图片（{patterns}）</translation>
    </message>
</context>
<context>
    <name>PhotoTile</name>
    <message>
        <source>Keep</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>Suggested</source>
        <translation>建议</translation>
    </message>
</context>
<context>
    <name>PreviewFlow</name>
    <message>
        <source>Back to library</source>
        <translation>返回图库</translation>
    </message>
    <message>
        <source>Back to all photos (Esc)</source>
        <translation>返回所有照片 (Esc)</translation>
    </message>
    <message>
        <source>Back to results</source>
        <translation>返回搜索结果</translation>
    </message>
    <message>
        <source>Back to the results (Esc)</source>
        <translation>返回搜索结果 (Esc)</translation>
    </message>
</context>
<context>
    <name>PreviewPage</name>
    <message>
        <source>Back to results</source>
        <translation>返回搜索结果</translation>
    </message>
    <message>
        <source>Back to the results (Esc)</source>
        <translation>返回搜索结果 (Esc)</translation>
    </message>
    <message>
        <source>Previous result (Left)</source>
        <translation>上一张 (左方向键)</translation>
    </message>
    <message>
        <source>Next result (Right)</source>
        <translation>下一张 (右方向键)</translation>
    </message>
    <message>
        <source>Find similar</source>
        <translation>查找相似照片</translation>
    </message>
    <message>
        <source>Find photos that look like this one</source>
        <translation>查找与这张相似的照片</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Open in the default image viewer</source>
        <translation>用默认的看图程序打开</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <source>Show in the file manager</source>
        <translation>在文件管理器中显示</translation>
    </message>
    <message>
        <source>{row} of {count}{more}</source>
        <translation>第 {row} 张，共 {count}{more} 张</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在载入…</translation>
    </message>
    <message>
        <source>This photo is not available right now (moved, deleted, or on a drive that is not connected).</source>
        <translation>这张照片目前无法查看（已移动、已删除，或位于未连接的磁盘上）。</translation>
    </message>
    <message>
        <source>This photo could not be opened: {error}</source>
        <translation>无法打开这张照片：{error}</translation>
    </message>
</context>
<context>
    <name>QueryImage</name>
    <message numerus="yes">
        <source>%Ln photo(s)</source>
        <translation>
            <numerusform>%Ln 张照片</numerusform>
        </translation>
    </message>
    <message>
        <source>Pasted image</source>
        <translation>粘贴的图片</translation>
    </message>
    <message>
        <source>clipdesk works offline and does not download pictures. Save the image first, or copy the image itself and paste it here (Ctrl+V).</source>
        <translation>clipdesk 离线工作，不会下载图片。请先保存图片，或复制图片本身后粘贴到这里 (Ctrl+V)。</translation>
    </message>
    <message>
        <source>That is not an image file clipdesk can search with.</source>
        <translation>clipdesk 无法用这个文件搜索，它不是图片文件。</translation>
    </message>
    <message>
        <source>Search by image</source>
        <translation>以图搜图</translation>
    </message>
    <message>
        <source>Images ({patterns})</source>
        <translation>图片 ({patterns})</translation>
    </message>
    <message>
        <source>The clipboard holds no image. Copy a picture or an image file, then paste.</source>
        <translation>剪贴板中没有图片。请先复制图片或图片文件，再粘贴。</translation>
    </message>
</context>
<context>
    <name>RecoveryPage</name>
    <message>
        <source>1 photo</source>
        <translation>1 张照片</translation>
    </message>
    <message>
        <source>{n} photos</source>
        <translation>{n} 张照片</translation>
    </message>
    <message>
        <source>1 folder</source>
        <translation>1 个文件夹</translation>
    </message>
    <message>
        <source>{n} folders</source>
        <translation>{n} 个文件夹</translation>
    </message>
    <message>
        <source>{photos}, {folders}</source>
        <translation>{photos}，{folders}</translation>
    </message>
    <message>
        <source>Restore the backup from {date} ({what})</source>
        <translation>恢复 {date} 的备份（{what}）</translation>
    </message>
    <message>
        <source>The catalog is damaged</source>
        <translation>目录已损坏</translation>
    </message>
    <message>
        <source>There is no backup of the catalog yet, so it cannot be restored.</source>
        <translation>目录还没有备份，因此无法恢复备份。</translation>
    </message>
    <message>
        <source>Salvage what can be read and re-index the rest</source>
        <translation>抢救能读取的内容，其余的重新索引</translation>
    </message>
    <message>
        <source>Keeps the folders, settings and photos the damaged file still holds; the rest is indexed again.</source>
        <translation>保留损坏文件中仍可读取的文件夹、设置和照片；其余的重新索引。</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>clipdesk&apos;s catalog ({path}) is damaged and cannot be read. Your photos are untouched. Whichever way you choose, the damaged file is kept aside (renamed, never deleted) and photos missing afterwards are indexed again.</source>
        <translation>clipdesk 的目录（{path}）已损坏，无法读取。你的照片没有受到影响。无论选择哪种方式，损坏的文件都会另存一旁（改名，绝不删除），之后缺少的照片会重新索引。</translation>
    </message>
    <message>
        <source>Photos indexed since then will be indexed again; folders, settings and albums as they were then.</source>
        <translation>此后索引的照片会重新索引；文件夹、设置和相册恢复为当时的样子。</translation>
    </message>
    <message>
        <source>Restoring the backup…</source>
        <translation>正在恢复备份…</translation>
    </message>
    <message>
        <source>Salvaging what can be read (this reads the whole catalog)…</source>
        <translation>正在抢救能读取的内容（需要读取整个目录）…</translation>
    </message>
    <message>
        <source>That did not work: {why}</source>
        <translation>没有成功：{why}</translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message>
        <source>unknown date</source>
        <translation>日期未知</translation>
    </message>
    <message>
        <source>Folder: {folder}</source>
        <translation>文件夹：{folder}</translation>
    </message>
    <message>
        <source>Taken: {date}</source>
        <translation>拍摄时间：{date}</translation>
    </message>
    <message>
        <source>Match: {score}</source>
        <translation>匹配度：{score}</translation>
    </message>
    <message>
        <source>On a drive that is not connected</source>
        <translation>位于未连接的磁盘上</translation>
    </message>
</context>
<context>
    <name>SearchBar</name>
    <message>
        <source>Describe a photo, e.g. “dog on the beach”, or drop an image here</source>
        <translation>描述一张照片，例如“海滩上的狗”，或将图片拖到这里</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Search by image…</source>
        <translation>以图搜图…</translation>
    </message>
    <message>
        <source>Find photos that look like a picture on this computer (Ctrl+O)</source>
        <translation>查找与这台电脑上某张图片相似的照片 (Ctrl+O)</translation>
    </message>
</context>
<context>
    <name>SearchControls</name>
    <message>
        <source>That image could not be read: {error}</source>
        <translation>无法读取该图片：{error}</translation>
    </message>
</context>
<context>
    <name>SearchView</name>
    <message>
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <source>Photos like {image} + “{text}”</source>
        <translation>与 {image} 相似且符合“{text}”的照片</translation>
    </message>
    <message>
        <source>Photos like {image}</source>
        <translation>与 {image} 相似的照片</translation>
    </message>
    <message>
        <source>No close matches for “{text}”: showing the nearest</source>
        <translation>没有与“{text}”十分接近的结果：显示最接近的照片</translation>
    </message>
    <message numerus="yes">
        <source>Best matches for “{text}”: %Ln, then other results</source>
        <translation>
            <numerusform>“{text}”的最佳匹配：%Ln 张，其后为其他结果</numerusform>
        </translation>
    </message>
    <message>
        <source>Best matches for “{text}”</source>
        <translation>“{text}”的最佳匹配</translation>
    </message>
    <message>
        <source>newest first</source>
        <translation>最新的在前</translation>
    </message>
    <message>
        <source>oldest first</source>
        <translation>最早的在前</translation>
    </message>
    <message numerus="yes">
        <source>best %Ln, {order}</source>
        <translation>
            <numerusform>最佳 %Ln 张，{order}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SectionGrid</name>
    <message numerus="yes">
        <source>%Ln photo(s)</source>
        <translation>
            <numerusform>%Ln 张照片</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>Views</source>
        <translation>视图</translation>
    </message>
    <message>
        <source>A smart album from a description or example photos</source>
        <translation>根据描述或示例照片创建智能相册</translation>
    </message>
    <message>
        <source>Smart album “{name}”</source>
        <translation>智能相册“{name}”</translation>
    </message>
    <message>
        <source>New album…</source>
        <translation>新建相册……</translation>
    </message>
    <message>
        <source>Show the sidebar (Ctrl+B)</source>
        <translation>显示侧边栏 (Ctrl+B)</translation>
    </message>
    <message>
        <source>Hide the sidebar (Ctrl+B)</source>
        <translation>隐藏侧边栏 (Ctrl+B)</translation>
    </message>
</context>
<context>
    <name>ThingsView</name>
    <message numerus="yes">
        <source>%n thing(s) found in your photos</source>
        <translation>
            <numerusform>在你的照片中找到 %n 种事物</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>“{name}”: %n photo(s){more}, best fit first</source>
        <translation>
            <numerusform>“{name}”：%n{more} 张照片，最相符的在前</numerusform>
        </translation>
    </message>
    <message>
        <source>No things recognised yet. clipdesk names what is in your photos as it indexes them; the labels appear here.</source>
        <translation>还没有识别出任何事物。clipdesk 会在索引照片时识别其中的内容，标签会显示在这里。</translation>
    </message>
    <message>
        <source>The labels could not be read: {error}</source>
        <translation>无法读取标签：{error}</translation>
    </message>
</context>
<context>
    <name>ThumbnailDelegate</name>
    <message>
        <source>No preview</source>
        <translation>无预览</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
</context>
<context>
    <name>ThumbnailGrid</name>
    <message>
        <source>Other results</source>
        <translation>其他结果</translation>
    </message>
</context>
<context>
    <name>TimelineList</name>
    <message>
        <source>Jump to a month</source>
        <translation>跳转到某个月</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Welcome to clipdesk</source>
        <translation>欢迎使用 clipdesk</translation>
    </message>
    <message>
        <source>Find any photo by describing it: “kids at the beach”, “receipt”, “snowy mountains”, or by showing a similar picture. Everything happens on this computer; your photos never leave it.</source>
        <translation>描述一下就能找到任何照片：“海滩上的孩子”“收据”“雪山”，也可以用一张相似的图片来找。一切都在这台电脑上完成，您的照片不会离开本机。</translation>
    </message>
    <message>
        <source>Which folders hold your photos?</source>
        <translation>您的照片存放在哪些文件夹？</translation>
    </message>
    <message>
        <source>No folder chosen yet. Click “Add folder…” to pick one.</source>
        <translation>尚未选择文件夹。点击“添加文件夹…”来选择。</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Start indexing</source>
        <translation>开始建立索引</translation>
    </message>
    <message>
        <source>You can search as soon as the first photos are indexed, and change folders later under Library ▸ Folders.</source>
        <translation>首批照片建立索引后即可搜索；之后可在“图库 ▸ 文件夹”中更改文件夹。</translation>
    </message>
    <message>
        <source>Choose a photo folder</source>
        <translation>选择照片文件夹</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
</context>
<context>
    <name>WindowActions</name>
    <message>
        <source>Library L&amp;ocation…</source>
        <translation>图库位置(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Duplicates</source>
        <translation>重复照片(&amp;D)</translation>
    </message>
    <message>
        <source>Search by &amp;Image…</source>
        <translation>以图搜图(&amp;I)…</translation>
    </message>
    <message>
        <source>&amp;Paste Image as Search</source>
        <translation>粘贴图片进行搜索(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Read &amp;Text in Photos</source>
        <translation>识别照片中的文字(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Copy Image</source>
        <translation>复制图片(&amp;C)</translation>
    </message>
    <message>
        <source>Copy &amp;Path</source>
        <translation>复制路径(&amp;P)</translation>
    </message>
    <message>
        <source>Select &amp;All</source>
        <translation>全选(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation>查找(&amp;F)</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Normal Size</source>
        <translation>默认大小(&amp;N)</translation>
    </message>
    <message>
        <source>Show &amp;Sidebar</source>
        <translation>显示侧边栏(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Library</source>
        <translation>图库(&amp;L)</translation>
    </message>
    <message>
        <source>Search &amp;Results</source>
        <translation>搜索结果(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Things</source>
        <translation>事物(&amp;T)</translation>
    </message>
    <message>
        <source>New &amp;Album…</source>
        <translation>新建相册(&amp;A)……</translation>
    </message>
    <message>
        <source>&amp;Folders…</source>
        <translation>文件夹(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Unreadable Files…</source>
        <translation>无法读取的文件(&amp;U)…</translation>
    </message>
    <message>
        <source>&amp;Pause Indexing</source>
        <translation>暂停建立索引(&amp;P)</translation>
    </message>
    <message>
        <source>Choose a Local &amp;Model Folder…</source>
        <translation>选择本地模型文件夹(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;About clipdesk</source>
        <translation>关于 clipdesk(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Back Up Now</source>
        <translation>立即备份(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Restore a Backup…</source>
        <translation>恢复备份(&amp;R)…</translation>
    </message>
    <message>
        <source>Mo&amp;ve the Data Folder…</source>
        <translation>移动数据文件夹(&amp;V)…</translation>
    </message>
    <message>
        <source>Open the &amp;Data Folder</source>
        <translation>打开数据文件夹(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <source>Open %n Photos</source>
        <translation>打开 %n 张照片</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Show in Folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <source>Find Similar</source>
        <translation>查找相似照片</translation>
    </message>
    <message>
        <source>Search with This Image + Text…</source>
        <translation>用这张图片加文字搜索…</translation>
    </message>
    <message>
        <source>Copied the path.</source>
        <translation>已复制路径。</translation>
    </message>
    <message>
        <source>Copied %n paths.</source>
        <translation>已复制 %n 条路径。</translation>
    </message>
    <message>
        <source>Copied the image.</source>
        <translation>已复制图片。</translation>
    </message>
    <message>
        <source>Could not copy the image: {e}</source>
        <translation>无法复制图片：{e}</translation>
    </message>
</context>
<context>
    <name>ZoomSlider</name>
    <message>
        <source>Thumbnail size (Ctrl+wheel, Ctrl++ / Ctrl+−)</source>
        <translation>缩略图大小（Ctrl+滚轮，Ctrl++ / Ctrl+−）</translation>
    </message>
    <message>
        <source>Thumbnail size</source>
        <translation>缩略图大小</translation>
    </message>
</context>
</TS>
