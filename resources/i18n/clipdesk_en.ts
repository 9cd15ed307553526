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
