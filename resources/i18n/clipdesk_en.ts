<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>AlbumView</name>
    <message numerus="yes">
        <source>Album “{name}”: %n photo(s)</source>
        <translation>
            <numerusform>Album “{name}”: %n photo</numerusform>
            <numerusform>Album “{name}”: %n photos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) entering</source>
        <translation>
            <numerusform>%n photo entering</numerusform>
            <numerusform>%n photos entering</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) leaving</source>
        <translation>
            <numerusform>%n photo leaving</numerusform>
            <numerusform>%n photos leaving</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s)</source>
        <translation>
            <numerusform>%n photo</numerusform>
            <numerusform>%n photos</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DuplicateCard</name>
    <message numerus="yes">
        <source>Exact copies: %n file(s) with the same bytes</source>
        <translation>
            <numerusform>Exact copies: %n file with the same bytes</numerusform>
            <numerusform>Exact copies: %n files with the same bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The same picture: %n file(s) in other sizes, formats, crops or turns</source>
        <translation>
            <numerusform>The same picture: %n file in other sizes, formats, crops or turns</numerusform>
            <numerusform>The same picture: %n files in other sizes, formats, crops or turns</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Similar shots: %n photo(s) taken moments apart</source>
        <translation>
            <numerusform>Similar shots: %n photo taken moments apart</numerusform>
            <numerusform>Similar shots: %n photos taken moments apart</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DuplicatesView</name>
    <message numerus="yes">
        <source>%n file(s) could go to the Trash</source>
        <translation>
            <numerusform>%n file could go to the Trash</numerusform>
            <numerusform>%n files could go to the Trash</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n group(s)</source>
        <translation>
            <numerusform>%n group</numerusform>
            <numerusform>%n groups</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Move %n file(s) ({size}) to the Trash?</source>
        <translation>
            <numerusform>Move %n file ({size}) to the Trash?</numerusform>
            <numerusform>Move %n files ({size}) to the Trash?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Moving %n file(s) to the Trash…</source>
        <translation>
            <numerusform>Moving %n file to the Trash…</numerusform>
            <numerusform>Moving %n files to the Trash…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Moved %n file(s) to the Trash</source>
        <translation>
            <numerusform>Moved %n file to the Trash</numerusform>
            <numerusform>Moved %n files to the Trash</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n could not be moved</source>
        <translation>
            <numerusform>%n could not be moved</numerusform>
            <numerusform>%n could not be moved</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ErrorsButton</name>
    <message numerus="yes">
        <source>%Ln unreadable</source>
        <translation>
            <numerusform>%Ln unreadable</numerusform>
            <numerusform>%Ln unreadable</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ErrorsDialog</name>
    <message numerus="yes">
        <source>%Ln file(s) could not be read.</source>
        <translation>
            <numerusform>%Ln file could not be read.</numerusform>
            <numerusform>%Ln files could not be read.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The first %Ln are listed.</source>
        <translation>
            <numerusform>The first is listed.</numerusform>
            <numerusform>The first %Ln are listed.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LabelTiles</name>
    <message numerus="yes">
        <source>{name}: %n photo(s)</source>
        <translation>
            <numerusform>{name}: %n photo</numerusform>
            <numerusform>{name}: %n photos</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LabelsFlow</name>
    <message numerus="yes">
        <source>Album “{name}” created: %n photo(s)</source>
        <translation>
            <numerusform>Album “{name}” created: %n photo</numerusform>
            <numerusform>Album “{name}” created: %n photos</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LibraryView</name>
    <message numerus="yes">
        <source>%Ln photo(s), newest first</source>
        <translation>
            <numerusform>%Ln photo, newest first</numerusform>
            <numerusform>%Ln photos, newest first</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PhotoCount</name>
    <message numerus="yes">
        <source>%Ln photo(s)</source>
        <translation>
            <numerusform>%Ln photo</numerusform>
            <numerusform>%Ln photos</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PhotoList</name>
    <message numerus="yes">
        <source>Use selected photos (%n)</source>
        <translation>
            <numerusform>Use the selected photo</numerusform>
            <numerusform>Use selected photos (%n)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>QueryImage</name>
    <message numerus="yes">
        <source>%Ln photo(s)</source>
        <translation>
            <numerusform>%Ln photo</numerusform>
            <numerusform>%Ln photos</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SearchView</name>
    <message numerus="yes">
        <source>Best matches for “{text}”: %Ln, then other results</source>
        <translation>
            <numerusform>Best matches for “{text}”: %Ln, then other results</numerusform>
            <numerusform>Best matches for “{text}”: %Ln, then other results</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>best %Ln, {order}</source>
        <translation>
            <numerusform>best %Ln, {order}</numerusform>
            <numerusform>best %Ln, {order}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SectionGrid</name>
    <message numerus="yes">
        <source>%Ln photo(s)</source>
        <translation>
            <numerusform>%Ln photo</numerusform>
            <numerusform>%Ln photos</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ThingsView</name>
    <message numerus="yes">
        <source>%n thing(s) found in your photos</source>
        <translation>
            <numerusform>%n thing found in your photos</numerusform>
            <numerusform>%n things found in your photos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>“{name}”: %n photo(s){more}, best fit first</source>
        <translation>
            <numerusform>“{name}”: %n photo{more}, best fit first</numerusform>
            <numerusform>“{name}”: %n{more} photos, best fit first</numerusform>
        </translation>
    </message>
</context>
</TS>
